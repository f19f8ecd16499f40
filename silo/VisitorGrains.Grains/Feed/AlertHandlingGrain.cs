using Microsoft.Extensions.Options;
using Orleans.Serialization;
using VisitorGrains.Domain.Feed;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Storage;

namespace VisitorGrains.Grains.Feed;

/// <summary>
/// How sales handles a site's alerts: decide (someone else's claim may be in the way), journal, apply,
/// then tell the team through the notifier, so that a claim shows in every open feed at once.
/// </summary>
public sealed class AlertHandlingGrain(IJournalStore store, Serializer serializer, IOptions<StorageOptions> options, TimeProvider time)
    : Grain, IAlertHandlingGrain
{
    private Journal<HandlingState, HandlingEntry> _journal = null!;
    private HandlingState _state = null!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var site = this.GetPrimaryKeyString();
        _journal = new(store, serializer, StreamNames.Handling(site), options.Value.CheckpointEvery);
        var (state, entries) = await _journal.LoadAsync(cancellationToken);
        _state = state ?? new HandlingState { Site = site };
        foreach (var (_, entry) in entries)
        {
            _state.Apply(entry);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        await _journal.CheckpointAsync(_state);

    public async Task<HandlingResult> ActAsync(long seq, string action, string by, string? reason, int? snoozeMinutes)
    {
        var found = await GrainFactory.GetGrain<IFeedGrain>(this.GetPrimaryKeyString()).AfterAsync(seq - 1, 1);
        var alert = found.Count > 0 ? found[0] : null;
        if (alert is null || alert.Seq != seq)
        {
            return new HandlingResult(null, $"No alert {seq} in the feed.", NotFound: true);
        }

        var (entry, problem) = _state.Decide(seq, alert.Id, action, by, time.GetUtcNow(), reason, snoozeMinutes);
        if (entry is null)
        {
            return new HandlingResult(_state.Get(seq), problem);
        }

        await _journal.AppendAsync(entry, entry.At.ToUnixTimeMilliseconds());
        var handling = _state.Apply(entry);
        await GrainFactory.GetGrain<INotifierGrain>(0).AlertUpdatedAsync(handling);
        if (_journal.CheckpointDue)
        {
            await _journal.CheckpointAsync(_state);
        }

        return new HandlingResult(handling, null);
    }

    public async Task RedactAsync(IReadOnlyList<long> seqs)
    {
        if (_state.Redact(seqs))
        {
            await _journal.RewriteAsync(_state);
        }
    }

    public async Task ForgetAsync(IReadOnlyList<long> seqs)
    {
        if (_state.Forget(seqs))
        {
            await _journal.RewriteAsync(_state);
        }
    }

    public Task<IReadOnlyList<AlertHandling>> AfterAsync(long afterSeq) =>
        Task.FromResult<IReadOnlyList<AlertHandling>>(_state.Alerts.Where(a => a.Key > afterSeq).Select(a => a.Value).ToList());
}
