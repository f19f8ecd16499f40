using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using VisitorGrains.Domain;
using VisitorGrains.Domain.Collecting;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Feed;
using VisitorGrains.Domain.Journeys;
using VisitorGrains.Domain.Lifecycle;
using VisitorGrains.Domain.Privacy;
using VisitorGrains.Domain.Scoring;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Hosting;
using VisitorGrains.Grains.Sites;
using VisitorGrains.Grains.Storage;
using VisitorGrains.Grains.Telemetry;

namespace VisitorGrains.Grains.Journeys;

/// <summary>
/// One visitor of one site. Decide (domain), append to the journal (durable: the caller may answer
/// 202), apply, then tell the company in the background. What the company has not confirmed stays in
/// the journaled outbox and is sent again, after a failure or a crash, until it is.
/// </summary>
public sealed class VisitorGrain(VisitorGrainServices services) : Grain, IVisitorGrain
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private Journal<VisitorState, VisitorEntry> _journal = null!;
    private VisitorState _state = null!;
    private Task _sending = Task.CompletedTask;
    private IGrainTimer? _retry;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (site, visitor) = GrainKeys.Split(this.GetPrimaryKeyString());
        // A visitor's entries are the site's event history (backtests read it); retention trims it.
        _journal = new(services.Store, services.Serializer, StreamNames.Visitor(this.GetPrimaryKeyString()), services.CheckpointEvery, keepHistory: true);
        var (state, entries) = await _journal.LoadAsync(cancellationToken);
        _state = state?.Share() ?? new VisitorState { Site = Shared.Text(site), Visitor = visitor };
        foreach (var (seq, entry) in entries)
        {
            ApplyAndQueue(entry, seq);
        }

        StartSending();
        await IndexContactsAsync();
        if (_state.Outbox.Count == 0 && _journal.CheckpointDue)
        {
            await _journal.CheckpointAsync(_state);
        }

        VisitorGrainsMetrics.VisitorActivated();
    }

    /// <summary>
    /// A checkpoint is written only with an empty outbox: what the company has not confirmed stays in
    /// entries past the checkpoint, where recovery after a crash finds it.
    /// </summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        try
        {
            await _sending;
            if (_state.Outbox.Count == 0)
            {
                await _journal.CheckpointAsync(_state);
            }
        }
        finally
        {
            services.Unsent.Settled(this.GetGrainId());
            VisitorGrainsMetrics.VisitorDeactivated();
        }
    }

    public async Task RecordAsync(CollectBatch batch, Identification identification)
    {
        var rules = (await services.Sites.GetAsync(_state.Site))?.Rules ?? CompiledRules.Default;
        var entry = _state.Decide(batch, identification, rules, services.Time.GetUtcNow().ToUnixTimeMilliseconds());
        if (entry is not null)
        {
            var seq = await _journal.AppendAsync(entry, entry.Events[^1].At);
            ApplyAndQueue(entry, seq);
            if (entry.Email is not null)
            {
                await IndexContactsAsync();
            }
        }

        StartSending();
        if (_state.Outbox.Count == 0 && _journal.CheckpointDue)
        {
            await _journal.CheckpointAsync(_state);
        }
    }

    public async Task<VisitorView?> GetAsync()
    {
        if (_state.Seq == 0)
        {
            DeactivateOnIdle();
            return null;
        }

        var rules = (await services.Sites.GetAsync(_state.Site))?.Rules ?? CompiledRules.Default;
        var now = services.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var score = _state.Score(now, rules);
        return new VisitorView
        {
            Site = _state.Site,
            Visitor = _state.Visitor,
            Stage = StageNames.Display(_state.Stage),
            Score = ScoreMath.Whole(score),
            Temperature = Views.Temperature(rules.TemperatureOf(score)),
            FirstSeen = DateTimeOffset.FromUnixTimeMilliseconds(_state.FirstSeen),
            LastSeen = DateTimeOffset.FromUnixTimeMilliseconds(_state.LastSeen),
            Sessions = _state.Cursor.Count,
            PageViews = _state.PageViews,
            Events = _state.EventCount,
            Reasons = _state.Reasons(now, rules),
            Journey = _state.Journey.Select(j => new JourneyView(
                DateTimeOffset.FromUnixTimeMilliseconds(j.At), KindName(j.Kind), j.Path, j.Title, j.Name, j.Session)).ToList(),
            Company = _state.Company,
            Unidentified = _state.Company is null ? _state.Unidentified ?? UnidentifiedReason.Unknown : null,
            StageHistory = _state.StageHistory.Select(s => new StageChangeView(
                StageNames.Display(s.From), StageNames.Display(s.To), DateTimeOffset.FromUnixTimeMilliseconds(s.At), s.Reason)).ToList(),
            Email = _state.Email,
            Location = _state.Location,
            Network = _state.Network,
            IdentifiedBecause = _state.IdentifiedBecause,
        };
    }

    public async Task<StageMoveResult> MoveAsync(SalesMove move, string reason, string by)
    {
        if (_state.Seq == 0)
        {
            DeactivateOnIdle();
            return new StageMoveResult(null, "There is no such visitor.");
        }

        var rules = (await services.Sites.GetAsync(_state.Site))?.Rules ?? CompiledRules.Default;
        var (entry, problem) = _state.DecideSalesMove(move, reason, by, rules, services.Time.GetUtcNow().ToUnixTimeMilliseconds());
        if (entry is null)
        {
            return new StageMoveResult(await GetAsync(), problem);
        }

        var seq = await _journal.AppendAsync(entry, services.Time.GetUtcNow().ToUnixTimeMilliseconds());
        ApplyAndQueue(entry, seq);
        return new StageMoveResult(await GetAsync(), null);
    }

    public Task RecoverAsync()
    {
        StartSending();
        return _sending;
    }

    public async Task<VisitorExport?> ExportAsync()
    {
        if (await GetAsync() is not { } profile)
        {
            return null;
        }

        // The history holds every recorded event still within the site's retention, checkpointed or not.
        var events = new List<ExportedEvent>();
        await foreach (var recorded in services.Store.HistoryAsync(_journal.Stream, 0, long.MaxValue))
        {
            if (recorded.Stream != _journal.Stream)
            {
                continue; // another visitor whose id starts with this one's
            }

            foreach (var e in services.Serializer.Deserialize<VisitorEntry>(recorded.Entry)!.Events)
            {
                events.Add(new ExportedEvent(e.Id, KindName(e.Kind), DateTimeOffset.FromUnixTimeMilliseconds(e.At), e.Url, e.Referrer,
                    e.Title, e.EngagedMs, e.Scroll, e.Name, e.Email, e.Props));
            }
        }

        return new VisitorExport { Profile = profile, Events = events, Companies = _state.KnownCompanies(), Emails = _state.KnownEmails() };
    }

    public async Task<bool> EraseAsync()
    {
        if (_state.Seq == 0)
        {
            DeactivateOnIdle();
            return false;
        }

        await EraseEverywhereAsync();
        return true;
    }

    public async Task<bool> ForgetBeforeAsync(long before)
    {
        if (_state.Seq == 0)
        {
            DeactivateOnIdle();
            return false;
        }

        if (_state.LastSeen < before)
        {
            await EraseEverywhereAsync();
            return true;
        }

        // Entries past the checkpoint carry what the company has not confirmed: the next pass prunes.
        if (_state.Outbox.Count == 0)
        {
            _state.Forget(before);
            await _journal.RewriteAsync(_state);
        }

        return false;
    }

    /// <summary>
    /// Others first, the visitor's own stream last: a request that fails half-way finds the visitor
    /// still there and is simply made again. Calls for this visitor wait meanwhile (one turn at a time).
    /// </summary>
    private async Task EraseEverywhereAsync()
    {
        _retry?.Dispose();
        await _sending; // a contribution already on its way reaches the company before the company forgets
        _state.Outbox.Clear();
        var (site, visitor) = (_state.Site, _state.Visitor);
        var feed = GrainFactory.GetGrain<IFeedGrain>(site);
        // The alerts naming the visitor also name companies a state stored before companies were listed may not know.
        var alerted = (await feed.AfterAsync(0, FeedState.Retained)).Where(a => a.Visitor == visitor).Select(a => a.Company.Id);
        foreach (var company in _state.KnownCompanies().Union(alerted, StringComparer.Ordinal))
        {
            await GrainFactory.GetGrain<ICompanyGrain>(GrainKeys.Company(site, company)).ForgetVisitorAsync(visitor);
        }

        var named = await feed.RedactVisitorAsync(visitor);
        if (named.Count > 0)
        {
            await GrainFactory.GetGrain<IAlertHandlingGrain>(site).RedactAsync(named);
        }

        foreach (var email in _state.KnownEmails())
        {
            await GrainFactory.GetGrain<IContactGrain>(GrainKeys.Contact(site, ContactKey.Of(site, email))).RemoveVisitorAsync(visitor);
        }

        await _journal.DeleteAsync();
        _state = new VisitorState { Site = site, Visitor = visitor };
        DeactivateOnIdle();
    }

    /// <summary>
    /// Puts the visitor's emails in the site's contact index. A failure is retried on the next batch or
    /// activation; it never fails a batch that is already durable.
    /// </summary>
    private async Task IndexContactsAsync()
    {
        foreach (var email in _state.KnownEmails())
        {
            if (_state.IndexedEmails?.Contains(email) == true)
            {
                continue;
            }

            try
            {
                await GrainFactory.GetGrain<IContactGrain>(GrainKeys.Contact(_state.Site, ContactKey.Of(_state.Site, email))).AddVisitorAsync(_state.Visitor);
                (_state.IndexedEmails ??= []).Add(email);
            }
            catch (Exception ex)
            {
                services.Log.LogWarning(ex, "Could not index the contact of {Visitor}; trying again later", _state.Visitor);
                return;
            }
        }
    }

    private void ApplyAndQueue(VisitorEntry entry, long seq)
    {
        _state.Apply(entry, seq);
        if (_state.ContributionOf(entry, seq) is { } contribution)
        {
            _state.Outbox.Add(contribution);
        }
    }

    /// <summary>One sender at a time drains the outbox, in order; a failure retries it later.</summary>
    private void StartSending()
    {
        if (_sending.IsCompleted && _state.Outbox.Count > 0)
        {
            services.Unsent.Sending(this.GetGrainId());
            _sending = SendOutboxAsync();
        }
    }

    private async Task SendOutboxAsync()
    {
        try
        {
            while (_state.Outbox.Count > 0)
            {
                var contribution = _state.Outbox[0];
                try
                {
                    await GrainFactory.Get<ICompanyGrain>(GrainKeys.Company(_state.Site, contribution.Company.Id))
                        .RecordAsync(contribution);
                }
                catch (Exception ex)
                {
                    services.Log.LogWarning(ex, "Could not tell company {Company} about {Visitor}; retrying in {Delay}",
                        contribution.Company.Id, _state.Visitor, RetryAfter);
                    _retry?.Dispose();
                    _retry = this.RegisterGrainTimer(() =>
                    {
                        StartSending();
                        return Task.CompletedTask;
                    }, new GrainTimerCreationOptions { DueTime = RetryAfter, Period = Timeout.InfiniteTimeSpan });
                    return;
                }

                _state.Outbox.RemoveAt(0);
            }

            if (_journal.CheckpointDue)
            {
                await _journal.CheckpointAsync(_state);
            }
        }
        finally
        {
            // Whoever waits for this send holds the task already: a finished one is not kept with the visitor.
            _sending = Task.CompletedTask;
            if (_state.Outbox.Count == 0)
            {
                services.Unsent.Settled(this.GetGrainId());
            }
        }
    }

    private static string KindName(EventKind kind) => kind switch
    {
        EventKind.PageView => "pageview",
        EventKind.Engagement => "engagement",
        EventKind.Identify => "identify",
        _ => "event",
    };
}

/// <summary>
/// What every visitor grain uses, in one object: a resident visitor holds one reference to it instead of
/// one to each service (they are the many, and each reference is 8 bytes of every one of them).
/// </summary>
public sealed class VisitorGrainServices(IJournalStore store, Serializer serializer, IOptions<StorageOptions> options,
    SiteDirectory sites, UnsentOutboxes unsent, TimeProvider time, ILogger<VisitorGrain> log)
{
    public IJournalStore Store => store;

    public Serializer Serializer => serializer;

    public int CheckpointEvery => options.Value.CheckpointEvery;

    public SiteDirectory Sites => sites;

    public UnsentOutboxes Unsent => unsent;

    public TimeProvider Time => time;

    public ILogger<VisitorGrain> Log => log;
}
