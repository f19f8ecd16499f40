using VisitorGrains.Domain.Alerts;
using VisitorGrains.Domain.Journeys;
using VisitorGrains.Domain.Lifecycle;
using VisitorGrains.Domain.Scoring;

namespace VisitorGrains.Domain.Companies;

/// <summary>One of a company's visitors, as the company sees it.</summary>
[GenerateSerializer]
public sealed class CompanyVisitor
{
    /// <summary>The visitor journal sequence last counted: contributions at or below it are replays.</summary>
    [Id(0)] public long Seq { get; set; }
    [Id(1)] public long FirstSeen { get; set; }
    [Id(2)] public long LastSeen { get; set; }
    [Id(3)] public int PageViews { get; set; }
    [Id(4)] public Stage Stage { get; set; }
    [Id(5)] public string? Source { get; set; }
    /// <summary>When the visitor was first seen as a lead (or further), and as an MQL (or further); 0: not yet.</summary>
    [Id(6)] public long LeadAt { get; set; }
    [Id(7)] public long MqlAt { get; set; }
}

/// <summary>A decided contribution: the points counted and the alerts it raised, in one journal entry.</summary>
[GenerateSerializer, Immutable]
public sealed record CompanyEntry
{
    [Id(0)] public required CompanyContribution Contribution { get; init; }
    [Id(1)] public required IReadOnlyList<Alert> Alerts { get; init; }
    /// <summary>The half-life the decision used, so that replaying it rebuilds the same total.</summary>
    [Id(2)] public double HalfLifeMs { get; init; }
}

/// <summary>Everything a site knows about one company: account score, visitors, pages, alerts raised.</summary>
[GenerateSerializer]
public sealed class CompanyState
{
    public const int MaxPoints = 2000;
    public const int MaxRecentPages = 20;

    [Id(0)] public string Site { get; set; } = "";
    [Id(1)] public string Id { get; set; } = "";
    [Id(2)] public CompanyRef? Company { get; set; }
    [Id(3)] public long FirstSeen { get; set; }
    [Id(4)] public long LastSeen { get; set; }
    [Id(5)] public List<ScorePoint> Points { get; set; } = [];
    [Id(6)] public Dictionary<string, CompanyVisitor> Visitors { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Most recent first, distinct.</summary>
    [Id(7)] public List<string> RecentPages { get; set; } = [];
    /// <summary>When each rule last alerted: one alert per rule within the cooldown.</summary>
    [Id(8)] public Dictionary<string, long> LastAlertAt { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Alerts raised but not yet confirmed by the site's feed (an outbox).</summary>
    [Id(9)] public List<Alert> Outbox { get; set; } = [];
    [Id(10)] public long Seq { get; set; }
    /// <summary>All points ever counted, decayed: the account score in O(1).</summary>
    [Id(11)] public DecayingTotal Total { get; set; }

    public double Score(long now, CompiledRules rules) => TotalFor(rules).ValueAt(now);

    /// <summary>The running total under the rules' half-life; rebuilt from the kept points when it changed.</summary>
    private DecayingTotal TotalFor(CompiledRules rules) =>
        Total.HalfLifeMs == rules.HalfLifeMs ? Total : DecayingTotal.Of(Points, rules.HalfLifeMs);

    /// <summary>The buying committee: distinct visitors seen within the surge window (7 days by default).</summary>
    public int ActiveVisitors(long now, CompiledRules rules) => ActiveSince(now - SurgeWindowMs(rules));

    /// <summary>Decides what a visitor's contribution means: null for a replay, else the points and any alerts.</summary>
    public CompanyEntry? Decide(CompanyContribution contribution, CompiledRules rules, long now, Func<string> newAlertId)
    {
        if (Visitors.TryGetValue(contribution.Visitor, out var known) && known.Seq >= contribution.Seq)
        {
            return null;
        }

        // Thresholds apply to the score as people see it: rounded to whole points.
        var total = TotalFor(rules);
        var afterTotal = total.AddAll(contribution.Points);
        var before = ScoreMath.Whole(total.ValueAt(now));
        var after = ScoreMath.Whole(afterTotal.ValueAt(now));
        var (activeBefore, activeAfter) = ActiveBeforeAndAfter(now - SurgeWindowMs(rules), contribution.Visitor, contribution.At);
        var facts = new AlertFacts(contribution, rules, before, after, activeBefore, activeAfter,
            FitScore.Of(contribution.Company, rules.Document.Icp));

        var alerts = new List<Alert>();
        foreach (var fired in AlertRules.Evaluate(facts))
        {
            if (InCooldown(fired.Rule, now, rules))
            {
                continue;
            }

            var receipts = ScoreMath.Reasons(Points.Concat(contribution.Points), now, rules.HalfLifeMs, 8);
            alerts.Add(new Alert
            {
                Id = newAlertId(),
                Site = Site,
                At = DateTimeOffset.FromUnixTimeMilliseconds(now),
                Rule = fired.Rule,
                Company = AlertCompany.From(contribution.Company),
                Visitor = contribution.Visitor,
                Stage = StageNames.Display(contribution.Stage),
                Temperature = TemperatureNames.Display(rules.TemperatureOf(after)),
                Score = (int)after,
                Reasons = [.. fired.Facts, .. receipts],
                Pages = PagesAfter(contribution, 10),
                Assignee = AlertRules.AssigneeFor(contribution.Company, rules),
                AcceptedAt = contribution.AcceptedAt > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(contribution.AcceptedAt) : null,
            });
        }

        return new CompanyEntry { Contribution = contribution, Alerts = alerts, HalfLifeMs = rules.HalfLifeMs };
    }

    private static long SurgeWindowMs(CompiledRules rules) =>
        (long)((rules.Document.Alerts.Surge is { Days: > 0 } surge ? surge.Days : 7) * 86_400_000);

    /// <summary>
    /// Visitors seen since <paramref name="since"/>. Asked on every contribution, so a company with tens of
    /// thousands of visitors is not walked each time: the count is kept (<see cref="ActiveCount"/>) and
    /// stays right while no counted visitor has left the window; only then, or when the visitors changed
    /// other than through <see cref="Apply"/>, is it counted again.
    /// </summary>
    private int ActiveSince(long since)
    {
        if (!_active.IsValidFor(Visitors, since))
        {
            _active = ActiveCount.Of(Visitors, since);
        }

        return _active.Count;
    }

    /// <summary>The kept count of active visitors; not stored (a state read back counts once, then keeps it).</summary>
    [NonSerialized]
    private ActiveCount _active;

    /// <summary>How many visitors were seen since <see cref="Since"/>, and the earliest such sighting.</summary>
    private struct ActiveCount
    {
        private Dictionary<string, CompanyVisitor>? _visitors;
        private int _visitorCount;
        private long _earliest;

        public long Since { get; private set; }

        public int Count { get; private set; }

        public static ActiveCount Of(Dictionary<string, CompanyVisitor> visitors, long since)
        {
            var count = 0;
            var earliest = long.MaxValue;
            foreach (var v in visitors.Values)
            {
                if (v.LastSeen >= since)
                {
                    count++;
                    earliest = Math.Min(earliest, v.LastSeen);
                }
            }

            return new ActiveCount { _visitors = visitors, _visitorCount = visitors.Count, _earliest = earliest, Since = since, Count = count };
        }

        /// <summary>
        /// Still the count for <paramref name="since"/>: counted for these visitors, none added or removed
        /// behind its back, and the window moved forward no further than its earliest counted sighting (so
        /// every visitor counted is still in it, and every one left out still outside).
        /// </summary>
        public readonly bool IsValidFor(Dictionary<string, CompanyVisitor> visitors, long since) =>
            ReferenceEquals(_visitors, visitors) && _visitorCount == visitors.Count && since >= Since && since <= _earliest;

        /// <summary>A visitor, new or known, last seen at <paramref name="lastSeen"/> (was <paramref name="before"/>, or new).</summary>
        public void Saw(Dictionary<string, CompanyVisitor> visitors, bool isNew, long before, long lastSeen)
        {
            if (!ReferenceEquals(_visitors, visitors) || _visitorCount != visitors.Count - (isNew ? 1 : 0))
            {
                _visitors = null;
                return;
            }

            _visitorCount = visitors.Count;
            if (lastSeen >= Since && (isNew || before < Since))
            {
                Count++;
                _earliest = Math.Min(_earliest, lastSeen);
            }
        }
    }

    /// <summary>
    /// Visitors seen since <paramref name="since"/> before the contribution, and after it (with
    /// <paramref name="visitor"/> seen at <paramref name="at"/>): one pass over the visitors.
    /// </summary>
    private (int Before, int After) ActiveBeforeAndAfter(long since, string visitor, long at)
    {
        var before = ActiveSince(since);
        var wasActive = Visitors.TryGetValue(visitor, out var known) && known.LastSeen >= since;
        var after = before - (wasActive ? 1 : 0) + (at >= since ? 1 : 0);
        return (before, after);
    }

    public void Apply(CompanyEntry entry, long seq)
    {
        var c = entry.Contribution;
        Company = c.Company;
        var isNew = !Visitors.TryGetValue(c.Visitor, out var visitor);
        if (isNew)
        {
            Visitors[c.Visitor] = visitor = new CompanyVisitor { FirstSeen = c.At };
        }

        visitor!.Seq = c.Seq;
        var before = visitor.LastSeen;
        visitor.LastSeen = Math.Max(before, c.At);
        _active.Saw(Visitors, isNew, before, visitor.LastSeen);
        visitor.PageViews += c.Pages.Count;
        visitor.Stage = c.Stage;
        visitor.Source ??= c.Source;
        if (c.Stage >= Stage.Lead && visitor.LeadAt == 0)
        {
            visitor.LeadAt = c.At;
        }

        if (c.Stage >= Stage.Mql && visitor.MqlAt == 0)
        {
            visitor.MqlAt = c.At;
        }
        FirstSeen = FirstSeen == 0 ? c.At : Math.Min(FirstSeen, c.At);
        LastSeen = Math.Max(LastSeen, c.At);
        Total = (Total.HalfLifeMs == entry.HalfLifeMs ? Total : DecayingTotal.Of(Points, entry.HalfLifeMs)).AddAll(c.Points);
        Points.AddRange(c.Points);
        if (Points.Count > MaxPoints)
        {
            Points.RemoveRange(0, Points.Count - MaxPoints);
        }

        RecentPages = PagesAfter(c, MaxRecentPages);
        foreach (var alert in entry.Alerts)
        {
            LastAlertAt[alert.Rule] = alert.At.ToUnixTimeMilliseconds();
            Outbox.Add(alert);
        }

        Seq = seq;
    }

    /// <summary>
    /// A visitor's data erased (a data subject's request, or retention): the visitor leaves the list and
    /// alerts not yet delivered stop naming them. False when the company held nothing of theirs.
    /// </summary>
    public bool ForgetVisitor(string visitor)
    {
        var changed = Visitors.Remove(visitor);
        for (var i = 0; i < Outbox.Count; i++)
        {
            if (Outbox[i].Visitor == visitor)
            {
                Outbox[i] = Outbox[i] with { Visitor = null };
                changed = true;
            }
        }

        return changed;
    }

    private bool InCooldown(string rule, long now, CompiledRules rules) =>
        LastAlertAt.TryGetValue(rule, out var last) && now - last < rules.CooldownMs;

    private List<string> PagesAfter(CompanyContribution c, int max)
    {
        var pages = new List<string>(max);
        foreach (var page in c.Pages.Reverse().Concat(RecentPages))
        {
            if (!pages.Contains(page, StringComparer.Ordinal))
            {
                pages.Add(page);
                if (pages.Count == max)
                {
                    break;
                }
            }
        }

        return pages;
    }
}
