using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VisitorGrains.Api.Hosting;
using VisitorGrains.Grains.Storage;

namespace VisitorGrains.Bench;

/// <summary>
/// The baselines the API is measured against, each a Kestrel server of its own:
/// <list type="bullet">
/// <item>bare: reads the POST body and answers 202, nothing else;</item>
/// <item>durable floor (<c>baseline durable &lt;folder&gt;</c>): also appends the body to the shipped journal store
/// (one group-committed SQLite write, a stream per visitor) and answers 202 once it is committed: what one
/// durable write per page view costs on this machine, with no parsing, identification, grains or scoring.</item>
/// </list>
/// </summary>
public static class BaselineServer
{
    public static async Task RunAsync(string[] args)
    {
        var durable = args.Length > 1 && args[0] == "durable" ? args[1] : null;
        var builder = WebApplication.CreateSlimBuilder(durable is null ? args : args[2..]);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        if (durable is null)
        {
            app.MapPost("/collect", async (HttpContext http) =>
            {
                var local = new byte[8192];
                while (await http.Request.Body.ReadAsync(local) > 0)
                {
                }

                return Results.StatusCode(StatusCodes.Status202Accepted);
            });
            MapStats(app, () => null);
        }
        else
        {
            var store = new SqliteJournalStore(
                Options.Create(new StorageOptions { Path = Path.Combine(durable, "floor.db") }), NullLogger<SqliteJournalStore>.Instance);
            var streams = new ConcurrentDictionary<string, StrongBox<long>>(StringComparer.Ordinal);
            app.MapPost("/collect", async (HttpContext http) =>
            {
                var body = ArrayPool<byte>.Shared.Rent(8192);
                try
                {
                    var length = 0;
                    int read;
                    while (length < body.Length && (read = await http.Request.Body.ReadAsync(body.AsMemory(length))) > 0)
                    {
                        length += read;
                    }

                    var stream = "floor/" + VisitorOf(body.AsSpan(0, length));
                    var seq = Interlocked.Increment(ref streams.GetOrAdd(stream, _ => new StrongBox<long>()).Value);
                    await store.AppendAsync(stream, seq, body.AsMemory(0, length), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(body);
                }

                return Results.StatusCode(StatusCodes.Status202Accepted);
            });
            MapStats(app, () => store.Statistics);
            app.Lifetime.ApplicationStopped.Register(() => store.DisposeAsync().AsTask().GetAwaiter().GetResult());
        }

        app.MapGet("/healthz", () => "ok");
        await app.RunAsync();
    }

    /// <summary>The same figures the API's stats give the bench: the collector's work and the store's writer (if any).</summary>
    private static void MapStats(WebApplication app, Func<SqliteJournalStore.JournalStatistics?> journal) =>
        app.MapGet("/api/stats", () => Results.Json(new
        {
            gcCollections = new[] { GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2) },
            gcPauseMs = GC.GetTotalPauseDuration().TotalMilliseconds,
            allocatedBytes = GC.GetTotalAllocatedBytes(),
            threadPool = StatsApi.ThreadPoolNow(),
            journal = journal(),
        }));

    /// <summary>The visitor id of a bench payload (<c>"visitor":"…"</c>), or "" if there is none.</summary>
    private static string VisitorOf(ReadOnlySpan<byte> body)
    {
        var key = "\"visitor\":\""u8;
        var at = body.IndexOf(key);
        if (at < 0)
        {
            return "";
        }

        var rest = body[(at + key.Length)..];
        var end = rest.IndexOf((byte)'"');
        return Encoding.UTF8.GetString(end < 0 ? rest : rest[..end]);
    }
}
