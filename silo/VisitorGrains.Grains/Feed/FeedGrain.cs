using Microsoft.Extensions.Options;
using Orleans.Serialization;
using VisitorGrains.Domain.Alerts;
using VisitorGrains.Domain.Feed;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Storage;
using VisitorGrains.Grains.Telemetry;

namespace VisitorGrains.Grains.Feed;

/// <summary>A site's alert feed: numbers each alert once, stores it, then tells the notifier.</summary>
public sealed class FeedGrain(IJournalStore store, Serializer serializer, IOptions<StorageOptions> options) : Grain, IFeedGrain
{
    private Journal<FeedState, Alert> _journal = null!;
    private FeedState _state = null!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _journal = new(store, serializer, StreamNames.Feed(this.GetPrimaryKeyString()), options.Value.CheckpointEvery);
        var (state, entries) = await _journal.LoadAsync(cancellationToken);
        _state = state ?? new FeedState();
        foreach (var (_, alert) in entries)
        {
            _state.Apply(alert);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        await _journal.CheckpointAsync(_state);

    public async Task<long> AppendAsync(Alert alert)
    {
        if (_state.Known(alert.Id) is { } seq)
        {
            return seq;
        }

        var numbered = _state.Number(alert);
        await _journal.AppendAsync(numbered, numbered.At.ToUnixTimeMilliseconds());
        _state.Apply(numbered);
        VisitorGrainsMetrics.AlertRaised(numbered.Rule);
        await GrainFactory.GetGrain<INotifierGrain>(0).AlertRaisedAsync(numbered);
        if (_journal.CheckpointDue)
        {
            await _journal.CheckpointAsync(_state);
        }

        return numbered.Seq;
    }

    public Task<IReadOnlyList<Alert>> AfterAsync(long seq, int max) =>
        Task.FromResult<IReadOnlyList<Alert>>(_state.After(seq, Math.Clamp(max, 1, FeedState.Retained)));

    public Task RecoverAsync() => Task.CompletedTask;

    public async Task<IReadOnlyList<long>> RedactVisitorAsync(string visitor)
    {
        var redacted = _state.Redact(visitor);
        if (redacted.Count > 0)
        {
            // Also drops the journaled alerts that still name the visitor.
            await _journal.RewriteAsync(_state);
        }

        return redacted;
    }

    public async Task<IReadOnlyList<long>> ForgetBeforeAsync(DateTimeOffset before)
    {
        var forgotten = _state.ForgetBefore(before);
        if (forgotten.Count > 0)
        {
            await _journal.RewriteAsync(_state);
        }

        return forgotten;
    }
}
