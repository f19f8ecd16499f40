using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VisitorGrains.Grains.Storage;

namespace VisitorGrains.Grains.Hosting;

/// <summary>Keeps the event history within Storage:HistoryDays: hourly, older entries already checkpointed are dropped.</summary>
public sealed class HistoryRetention(IJournalStore store, IOptions<StorageOptions> options, TimeProvider time,
    ILogger<HistoryRetention> log) : BackgroundService
{
    private const int Chunk = 2000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        do
        {
            var before = time.GetUtcNow().AddDays(-options.Value.HistoryDays).ToUnixTimeMilliseconds();
            try
            {
                // Small chunks, each its own write among the others.
                while (await store.TrimHistoryAsync("", before, Chunk) == Chunk && !stoppingToken.IsCancellationRequested)
                {
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogWarning(ex, "Could not trim the event history; trying again in an hour");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
