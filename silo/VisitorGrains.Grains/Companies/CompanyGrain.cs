using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Serialization;
using VisitorGrains.Domain.Alerts;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Journeys;
using VisitorGrains.Domain.Lifecycle;
using VisitorGrains.Domain.Scoring;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Sites;
using VisitorGrains.Grains.Storage;
using VisitorGrains.Grains.Telemetry;

namespace VisitorGrains.Grains.Companies;

/// <summary>
/// One company as one site sees it: counts its visitors' contributions once, keeps the account score,
/// and raises alerts, which go through an outbox to the site's feed.
/// </summary>
/// <remarks>
/// Reentrant, so that a busy company is not held to one contribution per commit. Each contribution is
/// decided and applied at once, in arrival order, and its entry taken for the journal in that order
/// (<see cref="Journal{TState,TEntry}.AppendAhead"/>); its call ends when the entry is durable, while the
/// next ones are decided meanwhile and share group commits with it. Run one call at a time, a company
/// took at most one contribution per group commit (a few hundred a second): a popular account's company
/// would fall behind its visitors, their outboxes growing. An entry that fails leaves the state ahead
/// of the journal: the company then stops sending and deciding, and is loaded again from the journal;
/// the visitors send what was not confirmed again, and what was is counted once.
/// </remarks>
[Reentrant]
public sealed class CompanyGrain(IJournalStore store, Serializer serializer, IOptions<StorageOptions> options,
    SiteDirectory sites, TimeProvider time) : Grain, ICompanyGrain
{
    private Journal<CompanyState, CompanyEntry> _journal = null!;
    private CompanyState _state = null!;

    /// <summary>The last entry taken for the journal: once it is durable, every entry before it is.</summary>
    private Task _lastAppend = Task.CompletedTask;

    /// <summary>The one send of the outbox under way (alerts go to the feed in order, each once).</summary>
    private Task _sending = Task.CompletedTask;

    private Task _checkpointing = Task.CompletedTask;

    /// <summary>An entry failed: the state is ahead of the journal until the company is loaded again.</summary>
    private bool _broken;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (site, company) = GrainKeys.Split(this.GetPrimaryKeyString());
        _journal = new(store, serializer, StreamNames.Company(this.GetPrimaryKeyString()), options.Value.CheckpointEvery);
        var (state, entries) = await _journal.LoadAsync(cancellationToken);
        _state = state ?? new CompanyState { Site = site, Id = company };
        foreach (var (seq, entry) in entries)
        {
            _state.Apply(entry, seq);
        }

        VisitorGrainsMetrics.CompanyActivated();
    }

    /// <summary>Only with an empty outbox: undelivered alerts stay in entries that recovery replays.</summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        try
        {
            if (_state.Outbox.Count == 0 && !_broken)
            {
                await _journal.CheckpointAsync(_state);
            }
        }
        finally
        {
            VisitorGrainsMetrics.CompanyDeactivated();
        }
    }

    public async Task RecordAsync(CompanyContribution contribution)
    {
        var rules = (await sites.GetAsync(_state.Site))?.Rules ?? CompiledRules.Default;
        ThrowIfBroken();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var entry = _state.Decide(contribution, rules, now, NewAlertId);
        // A contribution counted already may still be on its way to the store: confirmed once it is there.
        var durable = _lastAppend;
        if (entry is not null)
        {
            durable = _lastAppend = _journal.AppendAhead(entry, now, out var seq);
            _state.Apply(entry, seq);
        }

        try
        {
            await durable;
        }
        catch
        {
            Break();
            throw;
        }

        await SendOutboxAsync();
        if (_journal.CheckpointDue && _checkpointing.IsCompleted && !_broken)
        {
            _checkpointing = _journal.CheckpointAsync(_state);
            await _checkpointing;
        }
    }

    public async Task<CompanyView?> GetAsync()
    {
        if (_state.Company is not { } company)
        {
            DeactivateOnIdle();
            return null;
        }

        var rules = (await sites.GetAsync(_state.Site))?.Rules ?? CompiledRules.Default;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var score = _state.Score(now, rules);
        var fit = FitScore.Of(company, rules.Document.Icp);
        return new CompanyView
        {
            Id = _state.Id,
            Name = company.Name,
            Domain = company.Domain,
            Country = company.Country,
            City = company.City,
            Status = CrmStatusNames.Display(company.Status),
            Owner = company.Owner,
            Score = ScoreMath.Whole(score),
            Temperature = Views.Temperature(rules.TemperatureOf(score)),
            Breakdown = ScoreMath.Reasons(_state.Points, now, rules.HalfLifeMs, int.MaxValue),
            Visitors = _state.Visitors.OrderByDescending(v => v.Value.LastSeen).Select(v => new CompanyVisitorView(
                v.Key, DateTimeOffset.FromUnixTimeMilliseconds(v.Value.FirstSeen),
                DateTimeOffset.FromUnixTimeMilliseconds(v.Value.LastSeen), v.Value.PageViews,
                StageNames.Display(v.Value.Stage))
            {
                Source = v.Value.Source,
                LeadAt = v.Value.LeadAt == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(v.Value.LeadAt),
                MqlAt = v.Value.MqlAt == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(v.Value.MqlAt),
            }).ToList(),
            Pages = _state.RecentPages,
            FirstSeen = DateTimeOffset.FromUnixTimeMilliseconds(_state.FirstSeen),
            LastSeen = DateTimeOffset.FromUnixTimeMilliseconds(_state.LastSeen),
            Fit = fit.Score,
            FitMatched = fit.Matched,
            ActiveVisitors = _state.ActiveVisitors(now, rules),
            Industry = company.Industry,
            Employees = company.Employees,
            Products = company.Products,
        };
    }

    public Task RecoverAsync() => SendOutboxAsync();

    public async Task ForgetVisitorAsync(string visitor)
    {
        ThrowIfBroken();
        if (_state.ForgetVisitor(visitor))
        {
            // Not checkpointing now would leave the entries that carried the visitor in the journal.
            await _journal.RewriteAsync(_state);
        }
        else if (_state.Company is null)
        {
            DeactivateOnIdle();
        }
    }

    /// <summary>
    /// The send under way, or a new one. Alerts go to the feed only while every entry taken is durable: one
    /// from an entry still on its way waits for the call that took the last entry, which sends once its own
    /// is durable (so an entry that then failed never has its alert delivered).
    /// </summary>
    private Task SendOutboxAsync()
    {
        if (_sending.IsCompleted)
        {
            _sending = SendAllAsync();
        }

        return _sending;
    }

    private async Task SendAllAsync()
    {
        while (_state.Outbox.Count > 0 && _lastAppend.IsCompletedSuccessfully)
        {
            ThrowIfBroken();
            var alert = _state.Outbox[0];
            await GrainFactory.GetGrain<IFeedGrain>(_state.Site).AppendAsync(alert);
            _state.Outbox.RemoveAt(0);
        }
    }

    private void Break()
    {
        if (!_broken)
        {
            _broken = true;
            DeactivateOnIdle();
        }
    }

    private void ThrowIfBroken()
    {
        if (_broken)
        {
            throw new InvalidOperationException($"Company {this.GetPrimaryKeyString()} is being loaded again after a failed write; send again.");
        }
    }

    private static string NewAlertId() => "a_" + Guid.CreateVersion7().ToString("N");
}
