using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace VisitorGrains.Bench;

/// <summary>What the abusive source sent and was answered.</summary>
public sealed record FloodTally(long Sent, double Seconds, Dictionary<int, long> Statuses, long RetryAfter, long Failed)
{
    public long Refused => Statuses.GetValueOrDefault(429);
}

/// <summary>
/// One abusive address at full speed: keep-alive connections each sending the next batch as soon as the
/// last is answered, bounded in time and in count. Runs in its own process (<c>flood-source</c>), so that
/// its CPU and garbage are neither the server's nor the legitimate site's; prints its tally as one JSON line.
/// </summary>
public static class FloodSource
{
    public const string Address = "203.0.113.66";
    private const string ResultMarker = "flood-result ";

    /// <summary>The child process's side: <c>flood-source url seconds max connections</c>.</summary>
    public static async Task RunAsync(string[] args)
    {
        var address = new Uri(args[0]);
        var seconds = double.Parse(args[1], CultureInfo.InvariantCulture);
        var max = long.Parse(args[2], CultureInfo.InvariantCulture);
        var connections = int.Parse(args[3], CultureInfo.InvariantCulture);
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, UseProxy = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var http = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        var statuses = new ConcurrentDictionary<int, long>();
        long sent = 0, retryAfter = 0, failed = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var started = Stopwatch.StartNew();
        Console.WriteLine("flood-started");
        await Task.WhenAll(Enumerable.Range(0, connections).Select(c => Task.Run(async () =>
        {
            var random = new Random(c);
            while (!stop.IsCancellationRequested && Interlocked.Increment(ref sent) <= max)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/collect")
                {
                    Content = new StringContent(Workload.Body("v_flood_", random.Next(1000), random, sent), Encoding.UTF8, "text/plain"),
                };
                request.Headers.TryAddWithoutValidation("X-Forwarded-For", Address);
                try
                {
                    using var response = await http.SendAsync(request, stop.Token);
                    statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                    if (response.Headers.RetryAfter is not null)
                    {
                        Interlocked.Increment(ref retryAfter);
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        })));
        var tally = new FloodTally(Math.Min(sent, max), started.Elapsed.TotalSeconds, new(statuses), retryAfter, failed);
        Console.WriteLine(ResultMarker + JsonSerializer.Serialize(tally));
    }

    /// <summary>Starts the source as its own process and returns its tally once it has stopped.</summary>
    public static async Task<FloodTally> RunProcessAsync(Uri address, TimeSpan duration, long max, int connections, Action started)
    {
        var start = new ProcessStartInfo("dotnet",
        [
            Path.Combine(AppContext.BaseDirectory, "VisitorGrains.Bench.dll"), "flood-source", address.ToString(),
            duration.TotalSeconds.ToString(CultureInfo.InvariantCulture), max.ToString(CultureInfo.InvariantCulture),
            connections.ToString(CultureInfo.InvariantCulture),
        ])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        FloodTally? tally = null;
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line == "flood-started")
            {
                started();
            }
            else if (line.StartsWith(ResultMarker, StringComparison.Ordinal))
            {
                tally = JsonSerializer.Deserialize<FloodTally>(line[ResultMarker.Length..]);
            }
        }

        await process.WaitForExitAsync();
        return tally ?? throw new InvalidOperationException($"The flood source exited ({process.ExitCode}) without its tally.");
    }
}
