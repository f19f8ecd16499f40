using VisitorGrains.Domain.Collecting;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Lifecycle;
using VisitorGrains.Domain.Scoring;

namespace VisitorGrains.Domain.Journeys;

/// <summary>One step of a visitor's journey as salespeople read it: a page, or something the visitor did.</summary>
[GenerateSerializer, Immutable]
public sealed record JourneyStep
{
    [Id(0)] public required long At { get; init; }
    [Id(1)] public required EventKind Kind { get; init; }
    [Id(2)] public string? Path { get; init; }
    [Id(3)] public string? Title { get; init; }
    [Id(4)] public string? Name { get; init; }
    [Id(5)] public int Session { get; init; }
}

/// <summary>
/// What a visitor's events earned the visitor's company: the company grain's only input. It carries
/// the visitor's journal sequence so that a replay after a crash is recognised and counted once.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CompanyContribution
{
    [Id(0)] public required string Visitor { get; init; }
    [Id(1)] public required long Seq { get; init; }
    [Id(2)] public required CompanyRef Company { get; init; }
    [Id(3)] public required IReadOnlyList<ScorePoint> Points { get; init; }
    [Id(4)] public required IReadOnlyList<string> Pages { get; init; }
    [Id(5)] public required Stage Stage { get; init; }
    [Id(6)] public required long At { get; init; }
    [Id(7)] public IReadOnlyList<string> HighIntentPages { get; init; } = [];
    [Id(8)] public IReadOnlyList<string> Products { get; init; } = [];
    /// <summary>Where the visitor first came from: utm_source, else the referring site, else "direct".</summary>
    [Id(9)] public string? Source { get; init; }
    /// <summary>When the visitor accepted the batch (server time, epoch ms; 0 when not known), for alert latency.</summary>
    [Id(10)] public long AcceptedAt { get; init; }
}

/// <summary>
/// A decided batch: the events that were new, what they earned, and what changed. Appended to the
/// visitor's journal before it is applied, so replaying the journal rebuilds the state exactly.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record VisitorEntry
{
    [Id(0)] public required IReadOnlyList<TrackedEvent> Events { get; init; }
    [Id(1)] public required IReadOnlyList<int> Sessions { get; init; }
    [Id(2)] public required IReadOnlyList<ScorePoint> Points { get; init; }
    [Id(3)] public required SessionCursor CursorAfter { get; init; }
    [Id(4)] public required Identification Identification { get; init; }
    [Id(5)] public IReadOnlyList<StageChange> StageChanges { get; init; } = [];
    [Id(6)] public string? Email { get; init; }
    /// <summary>The half-life the decision used, so that replaying it rebuilds the same total.</summary>
    [Id(7)] public double HalfLifeMs { get; init; }
    /// <summary>Paths of the high-intent pages viewed in this entry.</summary>
    [Id(8)] public IReadOnlyList<string> HighIntentPages { get; init; } = [];
    /// <summary>Products named by the pages viewed (a rule's <c>product</c> capture).</summary>
    [Id(9)] public IReadOnlyList<string> Products { get; init; } = [];
    /// <summary>Set when sales rejected the lead: MQL is earned again only by points after this.</summary>
    [Id(10)] public bool ResetMqlBaseline { get; init; }
    /// <summary>Server time (epoch ms) the batch was decided, just before it became durable: where alert latency starts.</summary>
    [Id(11)] public long DecidedAt { get; init; }
}

/// <summary>Everything held about one visitor of one site.</summary>
[GenerateSerializer]
public sealed class VisitorState
{
    public const int MaxJourney = 200;
    public const int MaxPoints = 500;
    public const int MaxRememberedEventIds = 1000;

    [NonSerialized] private HashSet<ulong>? _seen;

    [Id(0)] public string Site { get; set; } = "";
    [Id(1)] public string Visitor { get; set; } = "";
    [Id(2)] public long FirstSeen { get; set; }
    [Id(3)] public long LastSeen { get; set; }
    [Id(4)] public SessionCursor Cursor { get; set; } = SessionCursor.None;
    [Id(5)] public int PageViews { get; set; }
    [Id(6)] public List<JourneyStep> Journey { get; set; } = [];
    [Id(7)] public List<ScorePoint> Points { get; set; } = [];
    /// <summary>
    /// 64-bit hashes of recent event ids, oldest first: a repeated id is accepted and not counted twice.
    /// Hashes keep checkpoints small; a false repeat needs a collision among these few ids (odds ~1e-16).
    /// </summary>
    [Id(8)] public List<ulong> RecentEvents { get; set; } = [];
    [Id(9)] public CompanyRef? Company { get; set; }
    [Id(10)] public string? Unidentified { get; set; }
    [Id(11)] public Stage Stage { get; set; }
    [Id(12)] public List<StageChange> StageHistory { get; set; } = [];
    [Id(13)] public string? Email { get; set; }
    /// <summary>Contributions not yet confirmed by the company grain (an outbox).</summary>
    [Id(14)] public List<CompanyContribution> Outbox { get; set; } = [];
    /// <summary>The journal sequence of the last applied entry.</summary>
    [Id(15)] public long Seq { get; set; }
    /// <summary>All points ever earned, decayed: the score in O(1).</summary>
    [Id(16)] public DecayingTotal Total { get; set; }
    /// <summary>Every event ever recorded, each id counted once.</summary>
    [Id(17)] public long EventCount { get; set; }
    /// <summary>Decayed points per signal: the score's receipts, and what category caps compare with.</summary>
    [Id(18)] public Dictionary<string, DecayingTotal> Signals { get; set; } = new(StringComparer.Ordinal);
    /// <summary>The total when sales last rejected this lead; MQL counts only what was earned since.</summary>
    [Id(19)] public DecayingTotal? MqlBaseline { get; set; }
    /// <summary>Where the visitor was last seen (country, region, city).</summary>
    [Id(20)] public Identifying.Geo? Location { get; set; }
    /// <summary>The last truncated network (/24, /48) seen: never the address itself.</summary>
    [Id(21)] public string? Network { get; set; }
    /// <summary>Which rule decided the company, or why there is none.</summary>
    [Id(22)] public string? IdentifiedBecause { get; set; }
    /// <summary>First touch: the utm_source of the first page view, else its referring site, else "direct".</summary>
    [Id(23)] public string? Source { get; set; }
    /// <summary>Every company this visitor's activity was counted for: an erasure tells each of them.</summary>
    [Id(24)] public List<string> Companies { get; set; } = [];
    /// <summary>Every email the visitor identified with (the latest is <see cref="Email"/>); null until one (most never do).</summary>
    [Id(25)] public List<string>? Emails { get; set; }
    /// <summary>The emails already in the site's contact index, which finds this visitor by email; null until one.</summary>
    [Id(26)] public List<string>? IndexedEmails { get; set; }

    /// <summary>The companies told about this visitor, also for states stored before they were listed.</summary>
    public IReadOnlyList<string> KnownCompanies() => Company is { } current && !Companies.Contains(current.Id) ? [.. Companies, current.Id] : Companies;

    /// <summary>The emails identified with, also for states stored before they were listed.</summary>
    public IReadOnlyList<string> KnownEmails()
    {
        IReadOnlyList<string> emails = Emails ?? [];
        return Email is { } current && !emails.Contains(current) ? [.. emails, current] : emails;
    }

    /// <summary>Most visitors send a handful of events: a list scan is enough (and smaller) until there are many.</summary>
    private const int HashFrom = 32;

    private bool HasSeen(ulong hash) => RecentEvents.Count < HashFrom ? RecentEvents.Contains(hash) : (_seen ??= [.. RecentEvents]).Contains(hash);


    public double Score(long now, CompiledRules rules) => TotalFor(rules.HalfLifeMs).ValueAt(now);

    private DecayingTotal TotalFor(double halfLifeMs) =>
        Total.HalfLifeMs == halfLifeMs ? Total : DecayingTotal.Of(Points, halfLifeMs);

    private DecayingTotal SignalFor(string signal, double halfLifeMs) =>
        Signals.TryGetValue(signal, out var total) && total.HalfLifeMs == halfLifeMs
            ? total
            : DecayingTotal.Of(Points.Where(p => p.Signal == signal), halfLifeMs);

    /// <summary>The score's breakdown by signal, largest first.</summary>
    public List<ScoreReason> Reasons(long now, CompiledRules rules) =>
        Signals.Keys.Select(signal => new ScoreReason(signal, ScoreMath.Whole(SignalFor(signal, rules.HalfLifeMs).ValueAt(now))))
            .Where(r => r.Points != 0)
            .OrderByDescending(r => Math.Abs(r.Points)).ThenBy(r => r.Signal, StringComparer.Ordinal)
            .ToList();

    /// <summary>The score that counts towards MQL: all of it, or what was earned since sales last rejected the lead.</summary>
    private double MqlScore(DecayingTotal total, long now) =>
        MqlBaseline is { } baseline && baseline.HalfLifeMs == total.HalfLifeMs
            ? total.ValueAt(now) - baseline.ValueAt(now)
            : total.ValueAt(now);

    /// <summary>
    /// Decides what a batch means for this visitor: drops events seen before, scores the rest with
    /// the site's rules, and works out stage changes. Returns null when nothing is new.
    /// </summary>
    /// <summary>The events not seen before, oldest first (a stable order: events of the same moment keep theirs).</summary>
    private List<TrackedEvent> FreshInTimeOrder(IReadOnlyList<TrackedEvent> events)
    {
        // A batch almost always comes in time order already: then it is only filtered, without sorting.
        var fresh = new List<TrackedEvent>(events.Count);
        var ordered = true;
        foreach (var e in events)
        {
            if (HasSeen(EventIdHash(e.Id)))
            {
                continue;
            }

            ordered &= fresh.Count == 0 || fresh[^1].At <= e.At;
            fresh.Add(e);
        }

        return ordered ? fresh : fresh.OrderBy(e => e.At).ToList();
    }

    public VisitorEntry? Decide(CollectBatch batch, Identification identification, CompiledRules rules, long now)
    {
        var fresh = FreshInTimeOrder(batch.Events);
        if (fresh.Count == 0)
        {
            return null;
        }

        var cursor = Cursor;
        var sessions = new List<int>(fresh.Count);
        var points = new List<ScorePoint>();
        var highIntent = new List<string>();
        var products = new List<string>();
        string? email = null;
        foreach (var e in fresh)
        {
            (cursor, var newSession) = cursor.Advance(e.At);
            sessions.Add(cursor.Count);
            if (newSession && cursor.PreviousEnd > 0 && rules.Document.ReturnVisit is { Points: not 0 } rv
                && e.At - cursor.PreviousEnd <= rv.WithinDays * 86_400_000)
            {
                points.Add(new ScorePoint("return-visit", rv.Points, e.At));
            }

            switch (e.Kind)
            {
                case EventKind.PageView when rules.MatchPage(e.Path!) is { } page:
                    if (page.HighIntent)
                    {
                        highIntent.Add(e.Path!);
                    }

                    if (page.Product is { } product && !products.Contains(product))
                    {
                        products.Add(product);
                    }

                    var signal = Shared.Concat("page:", page.Category);
                    var pagePoints = page.Points;
                    if (pagePoints > 0 && rules.CapFor(page.Category) is { } cap)
                    {
                        var held = SignalFor(signal, rules.HalfLifeMs).AddAll(points.Where(p => p.Signal == signal)).ValueAt(e.At);
                        pagePoints = Math.Max(0, Math.Min(pagePoints, cap - held));
                    }

                    if (pagePoints != 0)
                    {
                        points.Add(new ScorePoint(signal, Math.Round(pagePoints, 2), e.At));
                    }

                    break;
                case EventKind.Engagement when rules.Document.Engagement is { PointsPerMinute: > 0 } engagement:
                    var earned = Math.Min(engagement.PointsPerMinute * e.EngagedMs / 60_000d, engagement.Max - cursor.EngagementPoints);
                    if (earned > 0)
                    {
                        points.Add(new ScorePoint("engagement", Math.Round(earned, 2), e.At));
                        cursor = cursor with { EngagementPoints = cursor.EngagementPoints + earned };
                    }

                    break;
                case EventKind.Custom when rules.EventPoints(e.Name!) is { } eventPoints and not 0:
                    points.Add(new ScorePoint(Shared.Concat("event:", e.Name!), eventPoints, e.At));
                    break;
                case EventKind.Identify:
                    email = e.Email;
                    if (rules.EventPoints("identify") is { } identifyPoints and not 0)
                    {
                        points.Add(new ScorePoint("event:identify", identifyPoints, e.At));
                    }

                    break;
            }
        }

        var company = IdentificationSource.Stronger(identification.Company, Company);
        var scoreAfter = ScoreMath.Whole(MqlScore(TotalFor(rules.HalfLifeMs).AddAll(points), now));
        var moves = StageRules.Moves(Stage, company is not null, (email ?? Email) is not null, scoreAfter >= rules.Thresholds.Mql);
        var from = Stage;
        var changes = new List<StageChange>(moves.Count);
        foreach (var (to, reason) in moves)
        {
            changes.Add(new StageChange(from, to, now, reason));
            from = to;
        }

        return new VisitorEntry
        {
            Events = fresh,
            Sessions = sessions,
            Points = points,
            CursorAfter = cursor,
            Identification = company is not null ? identification with { Company = company, Unidentified = null } : identification,
            StageChanges = changes,
            Email = email,
            HalfLifeMs = rules.HalfLifeMs,
            HighIntentPages = highIntent,
            Products = products,
            DecidedAt = now,
        };
    }

    /// <summary>
    /// Decides a move made by sales (accept, reject back to nurture, opportunity, customer). Returns the
    /// entry, or why the move is not possible from the current stage.
    /// </summary>
    public (VisitorEntry? Entry, string? Problem) DecideSalesMove(SalesMove move, string reason, string by, CompiledRules rules, long now)
    {
        var (allowed, to) = move switch
        {
            SalesMove.Accept => (Stage is Stage.Prospect or Stage.Lead or Stage.Mql, Stage.Sql),
            SalesMove.Reject => (Stage is Stage.Lead or Stage.Mql or Stage.Sql, Email is null ? Stage.Prospect : Stage.Lead),
            SalesMove.Opportunity => (Stage is Stage.Sql, Stage.Opportunity),
            SalesMove.Customer => (Stage is Stage.Sql or Stage.Opportunity, Stage.Customer),
            _ => (false, Stage),
        };
        if (!allowed)
        {
            return (null, $"A {StageNames.Display(Stage)} cannot be moved with '{move.ToString().ToLowerInvariant()}'.");
        }

        var text = move == SalesMove.Reject ? $"rejected by {by}: {reason}" : $"{move.ToString().ToLowerInvariant()} by {by}" + (reason.Length > 0 ? $": {reason}" : "");
        return (new VisitorEntry
        {
            Events = [],
            Sessions = [],
            Points = [],
            CursorAfter = Cursor,
            Identification = Company is not null ? Identification.Of(Company) : Identification.None(Unidentified ?? UnidentifiedReason.Unknown),
            StageChanges = [new StageChange(Stage, to, now, text)],
            HalfLifeMs = rules.HalfLifeMs,
            ResetMqlBaseline = move == SalesMove.Reject,
        }, null);
    }

    /// <summary>Applies a decided entry. Pure bookkeeping: every decision was made in <see cref="Decide"/>.</summary>
    public void Apply(VisitorEntry entry, long seq)
    {
        for (var i = 0; i < entry.Events.Count; i++)
        {
            var e = entry.Events[i];
            Remember(e.Id);
            EventCount++;
            FirstSeen = FirstSeen == 0 ? e.At : Math.Min(FirstSeen, e.At);
            LastSeen = Math.Max(LastSeen, e.At);
            if (e.Kind == EventKind.PageView)
            {
                PageViews++;
                Source ??= Shared.Text(SourceOf(e));
            }

            if (e.Kind != EventKind.Engagement)
            {
                // In the order things happened: two batches sent a moment apart can arrive the other way round.
                var at = Journey.Count;
                while (at > 0 && Journey[at - 1].At > e.At)
                {
                    at--;
                }

                Journey.Insert(at, new JourneyStep
                {
                    At = e.At, Kind = e.Kind, Path = Shared.Text(e.Path), Title = Shared.Text(e.Title), Name = Shared.Text(e.Name), Session = entry.Sessions[i],
                });
            }
        }

        Trim(Journey, MaxJourney);
        Total = TotalFor(entry.HalfLifeMs).AddAll(entry.Points);
        // Point by point, each signal's points in their order: what a group per signal would add, without the groups.
        foreach (var point in entry.Points)
        {
            Signals[point.Signal] = SignalFor(point.Signal, entry.HalfLifeMs).Add(point.Points, point.At);
        }

        if (entry.ResetMqlBaseline)
        {
            MqlBaseline = Total;
        }

        Points.AddRange(entry.Points);
        Trim(Points, MaxPoints);
        Cursor = entry.CursorAfter;
        Company = Shared.Value(IdentificationSource.Stronger(entry.Identification.Company, Company));
        Location = Shared.Value(entry.Identification.Location) ?? Location;
        Network = Shared.Text(entry.Identification.Network) ?? Network;
        if (entry.Identification.Because is { } because && (Company is null || entry.Identification.Company == Company))
        {
            IdentifiedBecause = Shared.Text(because);
        }

        Unidentified = Company is null ? Shared.Text(entry.Identification.Unidentified) : null;
        Email = entry.Email ?? Email;
        if (entry.Email is { } email && Emails?.Contains(email) != true)
        {
            (Emails ??= []).Add(email);
        }

        if (Company is { } company && entry.Events.Count > 0 && !Companies.Contains(company.Id))
        {
            Companies.Add(Shared.Text(company.Id));
        }

        foreach (var change in entry.StageChanges)
        {
            Stage = change.To;
            StageHistory.Add(change);
        }

        Seq = seq;
    }

    /// <summary>
    /// Points a state read from storage at the shared instances of what many states hold alike, as
    /// <see cref="Apply"/> does for what it adds: a resident visitor keeps only what is its own.
    /// </summary>
    public VisitorState Share()
    {
        Site = Shared.Text(Site);
        for (var i = 0; i < Journey.Count; i++)
        {
            var step = Journey[i];
            Journey[i] = step with { Path = Shared.Text(step.Path), Title = Shared.Text(step.Title), Name = Shared.Text(step.Name) };
        }

        for (var i = 0; i < Points.Count; i++)
        {
            Points[i] = Points[i] with { Signal = Shared.Text(Points[i].Signal) };
        }

        if (Signals.Count > 0)
        {
            Signals = new Dictionary<string, DecayingTotal>(Signals.Select(s => KeyValuePair.Create(Shared.Text(s.Key), s.Value)), StringComparer.Ordinal);
        }

        for (var i = 0; i < Companies.Count; i++)
        {
            Companies[i] = Shared.Text(Companies[i]);
        }

        Company = Shared.Value(Company);
        Location = Shared.Value(Location);
        Network = Shared.Text(Network);
        IdentifiedBecause = Shared.Text(IdentifiedBecause);
        Unidentified = Shared.Text(Unidentified);
        Source = Shared.Text(Source);
        return this;
    }

    /// <summary>
    /// Retention: forgets the journey steps, points and stage moves that happened before
    /// <paramref name="before"/>. What remains starts at the oldest thing kept.
    /// </summary>
    public void Forget(long before)
    {
        Journey.RemoveAll(step => step.At < before);
        Points.RemoveAll(point => point.At < before);
        StageHistory.RemoveAll(change => change.At < before);
        if (FirstSeen < before)
        {
            FirstSeen = Journey.Count > 0 ? Journey[0].At : LastSeen;
        }
    }

    /// <summary>What an applied entry earned the company, if the visitor has one.</summary>
    /// <summary>
    /// Whether the entry, once applied, has a contribution for the company (<see cref="ContributionOf"/>): told
    /// before it is written, so that the journal knows which entries owe their company something.
    /// </summary>
    public bool Contributes(VisitorEntry entry) =>
        entry.Events.Count > 0 && IdentificationSource.Stronger(entry.Identification.Company, Company) is not null;

    /// <summary>After the entry is applied: what its company is told of it, if it has a company.</summary>
    public CompanyContribution? ContributionOf(VisitorEntry entry, long seq) =>
        Company is null || entry.Events.Count == 0
            ? null
            : new CompanyContribution
            {
                Visitor = Visitor,
                Seq = seq,
                Company = Company,
                Points = entry.Points,
                Pages = PageViewPaths(entry.Events),
                Stage = Stage,
                At = entry.Events[^1].At,
                AcceptedAt = entry.DecidedAt,
                HighIntentPages = entry.HighIntentPages,
                Products = entry.Products,
                Source = Source,
            };

    private static List<string> PageViewPaths(IReadOnlyList<TrackedEvent> events)
    {
        var paths = new List<string>(events.Count);
        foreach (var e in events)
        {
            if (e.Kind == EventKind.PageView)
            {
                paths.Add(e.Path!);
            }
        }

        return paths;
    }

    /// <summary>utm_source of the page's URL, else the referrer's host (without www.), else "direct".</summary>
    public static string SourceOf(TrackedEvent pageView)
    {
        if (Uri.TryCreate(pageView.Url, UriKind.Absolute, out var url) && url.Query.Length > 1)
        {
            foreach (var pair in url.Query[1..].Split('&'))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0 && pair[..eq].Equals("utm_source", StringComparison.OrdinalIgnoreCase)
                    && Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' ')).Trim() is { Length: > 0 and <= 100 } source)
                {
                    return source.ToLowerInvariant();
                }
            }
        }

        if (Uri.TryCreate(pageView.Referrer, UriKind.Absolute, out var referrer) && referrer.Host.Length > 0
            && !(url is not null && referrer.Host.Equals(url.Host, StringComparison.OrdinalIgnoreCase)))
        {
            var host = referrer.Host.ToLowerInvariant();
            return host.StartsWith("www.", StringComparison.Ordinal) ? host[4..] : host;
        }

        return "direct";
    }

    /// <summary>FNV-1a, 64 bits: stable across processes and versions, unlike string.GetHashCode.</summary>
    public static ulong EventIdHash(string id)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in id)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }

    private void Remember(string id)
    {
        var hash = EventIdHash(id);
        if (HasSeen(hash))
        {
            return;
        }

        RecentEvents.Add(hash);
        _seen?.Add(hash);
        if (RecentEvents.Count > MaxRememberedEventIds)
        {
            var drop = RecentEvents.Count - MaxRememberedEventIds;
            for (var i = 0; i < drop; i++)
            {
                _seen?.Remove(RecentEvents[i]);
            }

            RecentEvents.RemoveRange(0, drop);
        }
    }

    private static void Trim<T>(List<T> list, int max)
    {
        if (list.Count > max)
        {
            list.RemoveRange(0, list.Count - max);
        }
    }
}
