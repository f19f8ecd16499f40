using Microsoft.Extensions.Logging;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Storage;

namespace VisitorGrains.Grains.Hosting;

/// <summary>
/// Wakes the grains whose journals hold entries past their checkpoint that may still owe something: after a
/// crash they may owe their company or feed a message from their outbox (a visitor's entries that its
/// company confirmed, or that never had a company, owe nothing). Waking a grain that is already awake is harmless (its
/// recovery only sends what is still unsent), so any silo may run this at any time.
/// </summary>
public sealed class JournalRecovery(IJournalStore store, IGrainFactory grains, ILogger<JournalRecovery> log)
{
    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        var pending = await store.PendingStreamsAsync(cancellationToken);
        if (pending.Count == 0)
        {
            return;
        }

        log.LogInformation("Replaying {Count} journals that may still owe what their entries carried", pending.Count);
        await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (stream, _) =>
            {
                var key = stream[(stream.IndexOf('/', StringComparison.Ordinal) + 1)..];
                var recovery = stream switch
                {
                    _ when stream.StartsWith(StreamNames.VisitorPrefix, StringComparison.Ordinal) => grains.Visitor(key).RecoverAsync(),
                    _ when stream.StartsWith(StreamNames.CompanyPrefix, StringComparison.Ordinal) => grains.GetGrain<ICompanyGrain>(key).RecoverAsync(),
                    _ when stream.StartsWith(StreamNames.FeedPrefix, StringComparison.Ordinal) => grains.GetGrain<IFeedGrain>(key).RecoverAsync(),
                    _ => Task.CompletedTask,
                };
                try
                {
                    await recovery;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // One journal that cannot be replayed now must not stop the others; its grain tries
                    // again when it is next called.
                    log.LogError(ex, "Could not recover {Stream}", stream);
                }
            });
    }
}
