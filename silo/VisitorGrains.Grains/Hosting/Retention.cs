using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VisitorGrains.Domain.Sites;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Storage;

namespace VisitorGrains.Grains.Hosting;

/// <summary>
/// Keeps each site's visitor data within the site's retention (its <c>retentionDays</c>, else
/// Storage:HistoryDays), hourly. Visitors with entries older than that are visited first, in bounded
/// batches: one last active before the cut-off is erased everywhere, the others forget what is older;
/// then the old history is trimmed and the feed drops older alerts. Running it twice changes nothing more.
/// </summary>
public sealed class Retention(IJournalStore store, IGrainFactory grains, IOptions<StorageOptions> options, TimeProvider time,
    ILogger<Retention> log) : BackgroundService
{
    /// <summary>Visitors visited per batch, and batches per site and pass: a pass never runs unbounded.</summary>
    public const int Batch = 200;
    public const int MaxBatches = 500;
    private const int TrimChunk = 2000;
    private const int MaxSites = 10_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        do
        {
            try
            {
                await RunAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogWarning(ex, "A retention pass did not complete; trying again in an hour");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One pass over every site, as of the clock's now. Returns the visitors erased.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        var erased = 0;
        foreach (var stream in await store.StreamsAsync(StreamNames.SitePrefix, MaxSites, cancellationToken))
        {
            var site = stream[StreamNames.SitePrefix.Length..];
            if (await grains.GetGrain<ISiteGrain>(site).GetAsync() is not { } definition)
            {
                continue;
            }

            erased += await RunAsync(definition, cancellationToken);
        }

        return erased;
    }

    private async Task<int> RunAsync(SiteDefinition site, CancellationToken cancellationToken)
    {
        var days = site.RetentionDaysOr(options.Value.HistoryDays);
        var cutoff = time.GetUtcNow().AddDays(-days);
        var before = cutoff.ToUnixTimeMilliseconds();
        var prefix = StreamNames.Visitor(GrainKeys.Visitor(site.Id, ""));
        var erased = 0;
        IReadOnlyList<string> previous = [];
        for (var batch = 0; batch < MaxBatches && !cancellationToken.IsCancellationRequested; batch++)
        {
            // The old entries say which visitors hold old data; once trimmed, a visitor is not found again.
            var stale = await store.StreamsWithEntriesBeforeAsync(prefix, before, Batch, cancellationToken);
            foreach (var visitor in stale)
            {
                if (await grains.Visitor(visitor[StreamNames.VisitorPrefix.Length..]).ForgetBeforeAsync(before))
                {
                    erased++;
                }
            }

            while (await store.TrimHistoryAsync(prefix, before, TrimChunk) == TrimChunk && !cancellationToken.IsCancellationRequested)
            {
            }

            // The same visitors again: they cannot be pruned yet (their company has not confirmed them); next pass.
            if (stale.Count < Batch || stale.SequenceEqual(previous))
            {
                break;
            }

            previous = stale;
        }

        var forgotten = await grains.GetGrain<IFeedGrain>(site.Id).ForgetBeforeAsync(cutoff);
        if (forgotten.Count > 0)
        {
            await grains.GetGrain<IAlertHandlingGrain>(site.Id).ForgetAsync(forgotten);
        }

        if (erased > 0 || forgotten.Count > 0)
        {
            log.LogInformation("Retention of {Site} ({Days} days): {Visitors} visitors erased, {Alerts} alerts dropped", site.Id, days, erased, forgotten.Count);
        }

        return erased;
    }
}
