using Microsoft.Extensions.Logging;
using Orleans.Serialization;
using VisitorGrains.Domain.Backtesting;
using VisitorGrains.Domain.Journeys;
using VisitorGrains.Domain.Scoring;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Sites;
using VisitorGrains.Grains.Storage;

namespace VisitorGrains.Grains.Backtesting;

/// <summary>Where a backtest stands; <see cref="Result"/> is there once it is done.</summary>
[GenerateSerializer, Immutable]
public sealed record BacktestStatus
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Site { get; init; }
    /// <summary>running, done or failed.</summary>
    [Id(2)] public required string Status { get; init; }
    [Id(3)] public required long Processed { get; init; }
    [Id(4)] public required long Total { get; init; }
    [Id(5)] public required DateTimeOffset From { get; init; }
    [Id(6)] public required DateTimeOffset To { get; init; }
    [Id(7)] public BacktestResult? Result { get; init; }
    [Id(8)] public string? Error { get; init; }
}

/// <summary>One backtest (key: its id): a draft rules document replayed over the site's recorded history.</summary>
public interface IBacktestGrain : IGrainWithStringKey
{
    Task<BacktestStatus> StartAsync(string site, string draftRulesJson, DateTimeOffset from, DateTimeOffset to);

    Task<BacktestStatus?> GetAsync();
}

/// <summary>
/// Runs a backtest off the grain's turn (on the thread pool) and reports progress while it runs. The
/// outcome lives as long as the activation: a result is meant to be read, not kept.
/// </summary>
public sealed class BacktestGrain(IJournalStore store, Serializer serializer, SiteDirectory sites, TimeProvider time,
    ILogger<BacktestGrain> log) : Grain, IBacktestGrain
{
    private volatile BacktestStatus? _status;
    private long _processed;

    public async Task<BacktestStatus> StartAsync(string site, string draftRulesJson, DateTimeOffset from, DateTimeOffset to)
    {
        if (_status is not null)
        {
            return Current();
        }

        var current = (await sites.GetAsync(site))?.Rules ?? CompiledRules.Default;
        var draft = CompiledRules.Compile(0, draftRulesJson).Rules ?? throw new ArgumentException("The draft rules are not valid.");
        var prefix = StreamNames.Visitor(GrainKeys.Visitor(site, ""));
        var (start, end) = (from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds());
        var total = await store.CountHistoryAsync(prefix, start, end);
        _status = new BacktestStatus { Id = this.GetPrimaryKeyString(), Site = site, Status = "running", Processed = 0, Total = total, From = from, To = to };
        this.DelayDeactivation(TimeSpan.FromHours(1));
        var job = Task.Run(() => RunAsync(site, prefix, current, draft, start, end));
        _ = job.ContinueWith(t => log.LogError(t.Exception, "Backtest {Id} failed", _status.Id), TaskContinuationOptions.OnlyOnFaulted);
        return Current();
    }

    public Task<BacktestStatus?> GetAsync()
    {
        if (_status is null)
        {
            DeactivateOnIdle();
            return Task.FromResult<BacktestStatus?>(null);
        }

        return Task.FromResult<BacktestStatus?>(Current());
    }

    private BacktestStatus Current() => _status! with { Processed = Interlocked.Read(ref _processed) };

    private async Task RunAsync(string site, string prefix, CompiledRules current, CompiledRules draft, long from, long to)
    {
        try
        {
            var before = new BacktestRun(site, current);
            var after = new BacktestRun(site, draft);
            await foreach (var recorded in store.HistoryAsync(prefix, from, to))
            {
                var entry = serializer.Deserialize<VisitorEntry>(recorded.Entry)!;
                var visitor = recorded.Stream[prefix.Length..];
                before.Replay(visitor, entry);
                after.Replay(visitor, entry);
                Interlocked.Increment(ref _processed);
            }

            var at = Math.Min(to, time.GetUtcNow().ToUnixTimeMilliseconds());
            var result = BacktestResult.Compare(before, after, at, Interlocked.Read(ref _processed));
            _status = _status! with { Status = "done", Result = result };
        }
        catch (Exception ex)
        {
            _status = _status! with { Status = "failed", Error = ex.Message };
            throw;
        }
    }
}
