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
/// One visitor of one site, held by its shard while it browses. Decide (domain), append to the journal
/// (durable: the caller may answer 202), apply, then tell the company in the background. What the company
/// has not confirmed stays in the journaled outbox and is sent again, after a failure or a crash, until it is.
/// The shard runs one call of a visitor at a time (<see cref="Turn"/>); the background send interleaves
/// with them, as it would in a grain of its own.
/// </summary>
internal sealed class ResidentVisitor
{
    /// <summary>
    /// Entries a visitor let go may leave past its checkpoint, once they owe nothing, rather than write one
    /// as it goes: most visitors let go never come back (the checkpoint each wrote as it went was much of what
    /// a page view cost more past a million visitors than at ten thousand), and one that does replays a few
    /// entries about as quickly as it reads a checkpoint.
    /// </summary>
    private const int LeftUncheckpointedAtMost = 8;

    private Journal<VisitorState, VisitorEntry>? _journal;
    private VisitorState _state = null!;
    private Task _sending = Task.CompletedTask;

    /// <summary>
    /// The last call queued for this visitor while one is under way; the next one runs after it. Once none
    /// is (<see cref="Calls"/> back at 0) it is let go: a finished call's task holds its arguments (a page
    /// view's whole batch), and kept by a visitor for minutes it would outlive gen0 and be promoted.
    /// </summary>
    public Task Turn = Task.CompletedTask;

    /// <summary>Calls queued or under way.</summary>
    public int Calls;

    /// <summary>Calls ever made: a round letting the visitor go sees whether one came meanwhile.</summary>
    public uint Uses;

    /// <summary>When a call for the visitor last came (<see cref="Environment.TickCount64"/>).</summary>
    public long LastUsed;

    /// <summary>A call is queued: <see cref="Done"/> when it ends, however it ends.</summary>
    public void Called()
    {
        Calls++;
        Uses++;
        LastUsed = Environment.TickCount64;
    }

    public void Done()
    {
        if (--Calls == 0)
        {
            Turn = Task.CompletedTask;
        }
    }

    public bool Loaded => _journal is not null;

    /// <summary>Nothing stored: a lookup of an unknown visitor, or one erased; the shard lets it go at once.</summary>
    public bool Empty => _journal is not null && _state.Seq == 0 && _state.Outbox.Count == 0;

    /// <summary>A send under way, or contributions the company has not confirmed yet (a retry is due).</summary>
    public bool Owing => !_sending.IsCompleted || (_journal is not null && _state.Outbox.Count > 0);

    /// <summary>Replays the journal, re-sends what the company has not confirmed, indexes contacts.</summary>
    public async Task LoadAsync(VisitorShardGrain shard, string site, string visitor)
    {
        var services = shard.Services;
        var key = GrainKeys.Visitor(site, visitor);
        // A visitor's entries are the site's event history (backtests read it); retention trims it.
        var journal = new Journal<VisitorState, VisitorEntry>(services.Store, services.Serializer, StreamNames.Visitor(key),
            services.CheckpointEvery, keepHistory: true);
        var (state, entries) = await journal.LoadAsync();
        _state = state?.Share() ?? new VisitorState { Site = Shared.Text(site), Visitor = visitor };
        _journal = journal;
        // What the company has confirmed, settled in the journal, is not sent again.
        foreach (var (seq, entry) in entries)
        {
            ApplyAndQueue(entry, seq, owed: seq > journal.SettledThrough);
        }

        VisitorGrainsMetrics.VisitorActivated();
        StartSending(shard);
        await IndexContactsAsync(shard);
        if (_state.Outbox.Count == 0 && journal.CheckpointDue)
        {
            await journal.CheckpointAsync(_state);
        }
    }

    /// <summary>
    /// Before the shard lets the visitor go: the send under way finishes (and settles what it delivered). A
    /// checkpoint follows only when the entries past the last one would make a long replay, and only with an
    /// empty outbox: what the company has not confirmed stays in entries past the checkpoint, owing, where
    /// recovery after a crash finds it.
    /// </summary>
    public async Task LetGoAsync()
    {
        if (_journal is null)
        {
            return;
        }

        await _sending;
        if (_state.Outbox.Count == 0 && _journal.Uncheckpointed > LeftUncheckpointedAtMost)
        {
            await _journal.CheckpointAsync(_state);
        }
    }

    /// <summary>The shard has let the visitor go: whatever is unsent stays in its journal.</summary>
    public void Gone(VisitorShardGrain shard)
    {
        if (_journal is not null)
        {
            shard.Services.Unsent.Settled(_journal.Stream);
            VisitorGrainsMetrics.VisitorDeactivated();
        }
    }

    /// <summary>Records a batch and ends its call (<see cref="Done"/>): the shard's page-view path has no wrapper of its own.</summary>
    public async Task RecordAsync(VisitorShardGrain shard, CollectBatch batch, Identification identification)
    {
        try
        {
            var journal = _journal!;
            var services = shard.Services;
            var rules = (await services.Sites.GetAsync(_state.Site))?.Rules ?? CompiledRules.Default;
            var entry = _state.Decide(batch, identification, rules, services.Time.GetUtcNow().ToUnixTimeMilliseconds());
            if (entry is not null)
            {
                var seq = await journal.AppendAsync(entry, entry.Events[^1].At, owes: _state.Contributes(entry));
                ApplyAndQueue(entry, seq);
                if (entry.Email is not null)
                {
                    await IndexContactsAsync(shard);
                }
            }

            StartSending(shard);
            if (_state.Outbox.Count == 0 && journal.CheckpointDue)
            {
                await journal.CheckpointAsync(_state);
            }
        }
        finally
        {
            Done();
        }
    }

    public async Task<VisitorView?> GetAsync(VisitorShardGrain shard)
    {
        if (_state.Seq == 0)
        {
            return null;
        }

        var services = shard.Services;
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

    public async Task<StageMoveResult> MoveAsync(VisitorShardGrain shard, SalesMove move, string reason, string by)
    {
        if (_state.Seq == 0)
        {
            return new StageMoveResult(null, "There is no such visitor.");
        }

        var services = shard.Services;
        var rules = (await services.Sites.GetAsync(_state.Site))?.Rules ?? CompiledRules.Default;
        var (entry, problem) = _state.DecideSalesMove(move, reason, by, rules, services.Time.GetUtcNow().ToUnixTimeMilliseconds());
        if (entry is null)
        {
            return new StageMoveResult(await GetAsync(shard), problem);
        }

        var seq = await _journal!.AppendAsync(entry, services.Time.GetUtcNow().ToUnixTimeMilliseconds(), owes: _state.Contributes(entry));
        ApplyAndQueue(entry, seq);
        return new StageMoveResult(await GetAsync(shard), null);
    }

    public Task RecoverAsync(VisitorShardGrain shard)
    {
        StartSending(shard);
        return _sending;
    }

    public async Task<VisitorExport?> ExportAsync(VisitorShardGrain shard)
    {
        if (await GetAsync(shard) is not { } profile)
        {
            return null;
        }

        // The history holds every recorded event still within the site's retention, checkpointed or not.
        var services = shard.Services;
        var stream = _journal!.Stream;
        var events = new List<ExportedEvent>();
        await foreach (var recorded in services.Store.HistoryAsync(stream, 0, long.MaxValue))
        {
            if (recorded.Stream != stream)
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

    public async Task<bool> EraseAsync(VisitorShardGrain shard)
    {
        if (_state.Seq == 0)
        {
            return false;
        }

        await EraseEverywhereAsync(shard);
        return true;
    }

    public async Task<bool> ForgetBeforeAsync(VisitorShardGrain shard, long before)
    {
        if (_state.Seq == 0)
        {
            return false;
        }

        if (_state.LastSeen < before)
        {
            await EraseEverywhereAsync(shard);
            return true;
        }

        // Entries past the checkpoint carry what the company has not confirmed: the next pass prunes.
        if (_state.Outbox.Count == 0)
        {
            _state.Forget(before);
            await _journal!.RewriteAsync(_state);
        }

        return false;
    }

    /// <summary>
    /// Others first, the visitor's own stream last: a request that fails half-way finds the visitor
    /// still there and is simply made again. Calls for this visitor wait meanwhile (one at a time).
    /// </summary>
    private async Task EraseEverywhereAsync(VisitorShardGrain shard)
    {
        await _sending; // a contribution already on its way reaches the company before the company forgets
        _state.Outbox.Clear();
        var grains = shard.Grains;
        var (site, visitor) = (_state.Site, _state.Visitor);
        var feed = grains.GetGrain<IFeedGrain>(site);
        // The alerts naming the visitor also name companies a state stored before companies were listed may not know.
        var alerted = (await feed.AfterAsync(0, FeedState.Retained)).Where(a => a.Visitor == visitor).Select(a => a.Company.Id);
        foreach (var company in _state.KnownCompanies().Union(alerted, StringComparer.Ordinal))
        {
            await grains.GetGrain<ICompanyGrain>(GrainKeys.Company(site, company)).ForgetVisitorAsync(visitor);
        }

        var named = await feed.RedactVisitorAsync(visitor);
        if (named.Count > 0)
        {
            await grains.GetGrain<IAlertHandlingGrain>(site).RedactAsync(named);
        }

        foreach (var email in _state.KnownEmails())
        {
            await grains.GetGrain<IContactGrain>(GrainKeys.Contact(site, ContactKey.Of(site, email))).RemoveVisitorAsync(visitor);
        }

        await _journal!.DeleteAsync();
        _state = new VisitorState { Site = site, Visitor = visitor };
    }

    /// <summary>
    /// Puts the visitor's emails in the site's contact index. A failure is retried on the next batch or
    /// load; it never fails a batch that is already durable.
    /// </summary>
    private async Task IndexContactsAsync(VisitorShardGrain shard)
    {
        foreach (var email in _state.KnownEmails())
        {
            if (_state.IndexedEmails?.Contains(email) == true)
            {
                continue;
            }

            try
            {
                await shard.Grains.GetGrain<IContactGrain>(GrainKeys.Contact(_state.Site, ContactKey.Of(_state.Site, email))).AddVisitorAsync(_state.Visitor);
                (_state.IndexedEmails ??= []).Add(email);
            }
            catch (Exception ex)
            {
                shard.Services.Log.LogWarning(ex, "Could not index the contact of {Visitor}; trying again later", _state.Visitor);
                return;
            }
        }
    }

    /// <summary>Applies the entry and, unless its company has confirmed it already, queues its contribution.</summary>
    private void ApplyAndQueue(VisitorEntry entry, long seq, bool owed = true)
    {
        _state.Apply(entry, seq);
        if (owed && _state.ContributionOf(entry, seq) is { } contribution)
        {
            _state.Outbox.Add(contribution);
        }
    }

    /// <summary>One sender at a time drains the outbox, in order; a failure retries it later.</summary>
    public void StartSending(VisitorShardGrain shard)
    {
        if (_sending.IsCompleted && _state.Outbox.Count > 0)
        {
            shard.Services.Unsent.Sending(_journal!.Stream);
            _sending = SendOutboxAsync(shard);
        }
    }

    /// <summary>
    /// Sends the outbox in order. What the company confirmed is then settled in the journal, queued behind
    /// the visitor's writes and not waited for: a settle lost to a crash only means a replay that sends the
    /// company what it has, which it ignores. (Nor is its task kept: a finished task held by every resident
    /// visitor added some 60 B to each.)
    /// </summary>
    private async Task SendOutboxAsync(VisitorShardGrain shard)
    {
        var journal = _journal!;
        long first = 0, last = 0;
        try
        {
            while (_state.Outbox.Count > 0)
            {
                var contribution = _state.Outbox[0];
                try
                {
                    await shard.Grains.Get<ICompanyGrain>(GrainKeys.Company(_state.Site, contribution.Company.Id))
                        .RecordAsync(contribution);
                }
                catch (Exception ex)
                {
                    shard.Services.Log.LogWarning(ex, "Could not tell company {Company} about {Visitor}; retrying in {Delay}",
                        contribution.Company.Id, _state.Visitor, VisitorShardGrain.RetryAfter);
                    shard.RetryLater(_state.Visitor);
                    return;
                }

                _state.Outbox.RemoveAt(0);
                first = first == 0 ? contribution.Seq : first;
                last = contribution.Seq;
            }

            if (journal.CheckpointDue)
            {
                await journal.CheckpointAsync(_state);
            }
        }
        finally
        {
            // Whoever waits for this send holds the task already: a finished one is not kept with the visitor.
            _sending = Task.CompletedTask;
            if (last > journal.CheckpointSeq)
            {
                try
                {
                    _ = journal.SettleAsync(first, last);
                }
                catch (ObjectDisposedException)
                {
                    // The store is closing: the entries stay owing, and recovery replays them at the next start.
                }
            }

            if (_state.Outbox.Count == 0)
            {
                shard.Services.Unsent.Settled(journal.Stream);
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
/// What every visitor shard uses, in one object, with the collection settings for its visitors.
/// </summary>
public sealed class VisitorGrainServices(IJournalStore store, Serializer serializer, IOptions<StorageOptions> options,
    SiteDirectory sites, UnsentOutboxes unsent, TimeProvider time, ILogger<VisitorShardGrain> log, VisitorCollection collection)
{
    public IJournalStore Store => store;

    public Serializer Serializer => serializer;

    public int CheckpointEvery => options.Value.CheckpointEvery;

    public SiteDirectory Sites => sites;

    public UnsentOutboxes Unsent => unsent;

    public TimeProvider Time => time;

    public ILogger<VisitorShardGrain> Log => log;

    public VisitorCollection Collection => collection;
}

/// <summary>
/// When a shard lets its visitors go: after <see cref="Age"/> without a call (Orleans:VisitorCollectionAge,
/// 5 minutes: one idle that long has left the site, and its state is a checkpoint away), looked for every
/// <see cref="Quantum"/> (Orleans:CollectionQuantum, 10 s). This bounds resident visitors to arrivals × age.
/// </summary>
public sealed record VisitorCollection(TimeSpan Age, TimeSpan Quantum);
