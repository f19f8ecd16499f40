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
    [Id(5)] public StageChange? StageChange { get; init; }
    [Id(6)] public string? Email { get; init; }
    /// <summary>The half-life the decision used, so that replaying it rebuilds the same total.</summary>
    [Id(7)] public double HalfLifeMs { get; init; }
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

    private HashSet<ulong> Seen => _seen ??= [.. RecentEvents];


    public double Score(long now, CompiledRules rules) => TotalFor(rules.HalfLifeMs).ValueAt(now);

    private DecayingTotal TotalFor(double halfLifeMs) =>
        Total.HalfLifeMs == halfLifeMs ? Total : DecayingTotal.Of(Points, halfLifeMs);

    /// <summary>
    /// Decides what a batch means for this visitor: drops events seen before, scores the rest with
    /// the site's rules, and works out stage changes. Returns null when nothing is new.
    /// </summary>
    public VisitorEntry? Decide(CollectBatch batch, Identification identification, CompiledRules rules, long now)
    {
        var fresh = batch.Events.Where(e => !Seen.Contains(EventIdHash(e.Id))).OrderBy(e => e.At).ToList();
        if (fresh.Count == 0)
        {
            return null;
        }

        var cursor = Cursor;
        var sessions = new List<int>(fresh.Count);
        var points = new List<ScorePoint>();
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
                case EventKind.PageView when rules.MatchPage(e.Path!) is { } page && page.Points != 0:
                    points.Add(new ScorePoint("page:" + page.Category, page.Points, e.At));
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
                    points.Add(new ScorePoint("event:" + e.Name, eventPoints, e.At));
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

        var company = identification.Company ?? Company;
        var scoreAfter = Math.Round(TotalFor(rules.HalfLifeMs).AddAll(points).ValueAt(now));
        var next = StageRules.Next(Stage, company is not null, (email ?? Email) is not null, scoreAfter >= rules.Thresholds.Mql);

        return new VisitorEntry
        {
            Events = fresh,
            Sessions = sessions,
            Points = points,
            CursorAfter = cursor,
            Identification = company is not null ? Identification.Of(company) : identification,
            StageChange = next is { } n ? new StageChange(Stage, n.Stage, now, n.Reason) : null,
            Email = email,
            HalfLifeMs = rules.HalfLifeMs,
        };
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
            }

            if (e.Kind != EventKind.Engagement)
            {
                Journey.Add(new JourneyStep { At = e.At, Kind = e.Kind, Path = e.Path, Title = e.Title, Name = e.Name, Session = entry.Sessions[i] });
            }
        }

        Trim(Journey, MaxJourney);
        Total = TotalFor(entry.HalfLifeMs).AddAll(entry.Points);
        Points.AddRange(entry.Points);
        Trim(Points, MaxPoints);
        Cursor = entry.CursorAfter;
        Company = entry.Identification.Company ?? Company;
        Unidentified = Company is null ? entry.Identification.Unidentified : null;
        Email = entry.Email ?? Email;
        if (entry.StageChange is { } change)
        {
            Stage = change.To;
            StageHistory.Add(change);
        }

        Seq = seq;
    }

    /// <summary>What an applied entry earned the company, if the visitor has one.</summary>
    public CompanyContribution? ContributionOf(VisitorEntry entry, long seq) =>
        Company is null
            ? null
            : new CompanyContribution
            {
                Visitor = Visitor,
                Seq = seq,
                Company = Company,
                Points = entry.Points,
                Pages = entry.Events.Where(e => e.Kind == EventKind.PageView).Select(e => e.Path!).ToList(),
                Stage = Stage,
                At = entry.Events[^1].At,
            };

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
        if (!Seen.Add(hash))
        {
            return;
        }

        RecentEvents.Add(hash);
        if (RecentEvents.Count > MaxRememberedEventIds)
        {
            var drop = RecentEvents.Count - MaxRememberedEventIds;
            for (var i = 0; i < drop; i++)
            {
                Seen.Remove(RecentEvents[i]);
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
