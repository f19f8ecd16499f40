using VisitorGrains.Domain.Alerts;
using VisitorGrains.Domain.Collecting;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Journeys;
using VisitorGrains.Domain.Lifecycle;
using VisitorGrains.Domain.Scoring;

namespace VisitorGrains.Tests.Unit;

public sealed class ScoringTests
{
    private const long T0 = 1_763_900_000_000;
    private static readonly CompanyRef Volvo = new() { Id = "volvocars.com", Name = "Volvo Cars", Domain = "volvocars.com", Status = CrmStatus.Target, Owner = "erik" };

    private static TrackedEvent Page(string path, long at) =>
        new() { Id = $"e_{Guid.NewGuid():N}", Kind = EventKind.PageView, At = at, Url = "https://x.com" + path, Path = path };

    private static CollectBatch Batch(params TrackedEvent[] events) => new() { Site = "demo", Visitor = "v_12345678", Events = events };

    private static VisitorState Record(VisitorState state, CompiledRules rules, Identification identification, params TrackedEvent[] events)
    {
        var entry = state.Decide(Batch(events), identification, rules, events.Max(e => e.At));
        if (entry is not null)
        {
            state.Apply(entry, state.Seq + 1);
        }

        return state;
    }

    [Theory]
    [InlineData("/pricing", "pricing", 20)]
    [InlineData("/pricing/enterprise", "pricing", 20)]
    [InlineData("/Contact", "contact", 25)]
    [InlineData("/customers/scania", "case-study", 10)]
    [InlineData("/products/fleet-manager", "product", 5)]
    [InlineData("/careers/engineer", "careers", -15)]
    public void DefaultRules_MatchPagesToSignals(string path, string category, double points)
    {
        var match = CompiledRules.Default.MatchPage(path);

        Assert.Equal(category, match?.Category);
        Assert.Equal(points, match?.Points);
    }

    [Fact]
    public void RegexCapture_NamesTheProduct()
    {
        Assert.Equal("fleet-manager", CompiledRules.Default.MatchPage("/products/fleet-manager/specs")?.Product);
    }

    [Fact]
    public void UnmatchedPage_EarnsNothing()
    {
        Assert.Null(CompiledRules.Default.MatchPage("/blog/hello"));
    }

    [Theory]
    [InlineData("""{"returnVisit":{"points":-1e308,"withinDays":7}}""", "returnVisit.points")]
    [InlineData("""{"engagement":{"pointsPerMinute":1e300,"max":20}}""", "engagement.pointsPerMinute")]
    [InlineData("""{"engagement":{"pointsPerMinute":2,"max":1e300}}""", "engagement.max")]
    [InlineData("""{"thresholds":{"warm":30,"hot":1e300,"mql":40}}""", "thresholds")]
    [InlineData("""{"thresholds":{"warm":30,"hot":60,"mql":1e300}}""", "thresholds.mql")]
    [InlineData("""{"decay":{"halfLifeDays":1e300}}""", "decay.halfLifeDays")]
    public void Numbers_FarBeyondAnyScore_AreRefused(string json, string path)
    {
        var (rules, errors) = CompiledRules.Compile(2, json);

        Assert.Null(rules);
        Assert.Contains(path, errors.Keys);
    }

    [Fact]
    public void InvalidRules_ReportEveryErrorWithItsPath()
    {
        var (rules, errors) = CompiledRules.Compile(2, """
            {"pages":[{"match":"re:(unclosed","category":"pricing","points":5},{"match":"/x","category":"astrology","points":5}],
             "thresholds":{"warm":70,"hot":60,"mql":40}}
            """);

        Assert.Null(rules);
        Assert.Equal(["pages[0].match", "pages[1].category", "thresholds"], errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void PointsDecayWithTheHalfLife()
    {
        var halfLife = TimeSpan.FromDays(14).TotalMilliseconds;
        var points = new[] { new ScorePoint("page:pricing", 40, T0) };

        Assert.Equal(40, ScoreMath.Total(points, T0, halfLife), 6);
        Assert.Equal(20, ScoreMath.Total(points, T0 + (long)halfLife, halfLife), 6);
        Assert.Equal(10, ScoreMath.Total(points, T0 + (long)(2 * halfLife), halfLife), 6);
    }

    [Theory]
    [InlineData(14)]
    [InlineData(0)]
    public void RunningTotal_EqualsTheSumOverEveryPoint_InAnyOrder(double halfLifeDays)
    {
        var halfLife = TimeSpan.FromDays(halfLifeDays).TotalMilliseconds;
        var random = new Random(42);
        var points = Enumerable.Range(0, 500)
            .Select(i => new ScorePoint("s", random.Next(-20, 50), T0 + random.NextInt64(0, 90L * 86_400_000)))
            .ToList();
        var now = T0 + (100L * 86_400_000);

        var running = DecayingTotal.Of(points, halfLife);

        Assert.Equal(ScoreMath.Total(points, now, halfLife), running.ValueAt(now), 6);
    }

    [Fact]
    public void VisitorFromKnownCompany_IsScoredAndBecomesProspectThenMql()
    {
        var state = Record(new VisitorState { Site = "demo", Visitor = "v_12345678" }, CompiledRules.Default,
            Identification.Of(Volvo), Page("/pricing", T0), Page("/contact", T0 + 1000));

        Assert.Equal(45, state.Score(T0 + 1000, CompiledRules.Default), 3);
        Assert.Equal(Stage.Mql, state.Stage);
        Assert.Equal(2, state.PageViews);
        Assert.Equal(["/pricing", "/contact"], state.Journey.Select(j => j.Path));
    }

    [Fact]
    public void RepeatedEventIds_AreNotCountedTwice()
    {
        var rules = CompiledRules.Default;
        var page = Page("/pricing", T0);
        var state = Record(new VisitorState { Site = "demo", Visitor = "v_12345678" }, rules, Identification.None("unknown"), page);

        Assert.Null(state.Decide(Batch(page), Identification.None("unknown"), rules, T0 + 10));
        Assert.Equal(20, state.Score(T0, rules), 3);
    }

    [Fact]
    public void SessionsEndAfterThirtyIdleMinutes_AndAReturnVisitScores()
    {
        var rules = CompiledRules.Default;
        var state = Record(new VisitorState { Site = "demo", Visitor = "v_12345678" }, rules, Identification.None("unknown"),
            Page("/blog/a", T0), Page("/blog/b", T0 + (long)TimeSpan.FromMinutes(29).TotalMilliseconds));
        Assert.Equal(1, state.Cursor.Count);

        var later = T0 + (long)TimeSpan.FromDays(2).TotalMilliseconds;
        Record(state, rules, Identification.None("unknown"), Page("/blog/c", later));

        Assert.Equal(2, state.Cursor.Count);
        Assert.Contains(state.Points, p => p.Signal == "return-visit" && p.Points == 10);
    }

    [Fact]
    public void EngagementPoints_AreCappedPerSession()
    {
        var rules = CompiledRules.Default;
        var engaged = new TrackedEvent { Id = "eng", Kind = EventKind.Engagement, At = T0, Url = "https://x.com/a", Path = "/a", EngagedMs = 60 * 60_000 };

        var state = Record(new VisitorState { Site = "demo", Visitor = "v_12345678" }, rules, Identification.None("unknown"), engaged);

        Assert.Equal(20, state.Score(T0, rules), 6);
    }

    [Fact]
    public void Company_RaisesHotCompanyOnceWhenCrossingTheThreshold()
    {
        var rules = CompiledRules.Default;
        var company = new CompanyState { Site = "demo", Id = Volvo.Id };
        var alerts = new List<Alert>();
        void Contribute(string visitor, long seq, double points, string path, long at)
        {
            var contribution = new CompanyContribution
            {
                Visitor = visitor, Seq = seq, Company = Volvo, Stage = Stage.Prospect, At = at,
                Points = [new ScorePoint("page:pricing", points, at)], Pages = [path],
            };
            if (company.Decide(contribution, rules, at, () => $"a_{alerts.Count}") is { } entry)
            {
                company.Apply(entry, company.Seq + 1);
                alerts.AddRange(entry.Alerts);
            }
        }

        Contribute("v_a", 1, 30, "/pricing", T0);
        Contribute("v_b", 1, 30, "/contact", T0 + 1);
        Contribute("v_b", 1, 30, "/contact", T0 + 2);
        Contribute("v_c", 1, 30, "/customers/x", T0 + 3);

        var alert = Assert.Single(alerts, a => a.Rule == AlertRule.HotCompany);
        Assert.Equal(60, alert.Score);
        Assert.Equal("erik", alert.Assignee);
        Assert.Equal(["/contact", "/pricing"], alert.Pages);
        Assert.Equal(90, company.Score(T0 + 3, rules), 3);
    }

    [Fact]
    public void Company_AlertsAgainOnlyAfterTheCooldown()
    {
        var rules = CompiledRules.Compile(1, """{"decay":{"halfLifeDays":1},"thresholds":{"warm":30,"hot":60,"mql":40},"alerts":{"cooldownHours":24}}""").Rules!;
        var company = new CompanyState { Site = "demo", Id = Volvo.Id };
        var raised = 0;
        void Contribute(long seq, long at)
        {
            var c = new CompanyContribution
            {
                Visitor = "v_a", Seq = seq, Company = Volvo, Stage = Stage.Prospect, At = at,
                Points = [new ScorePoint("event:demo_requested", 70, at)], Pages = [],
            };
            var entry = company.Decide(c, rules, at, () => "a_" + seq)!;
            company.Apply(entry, seq);
            raised += entry.Alerts.Count;
        }

        var hour = (long)TimeSpan.FromHours(1).TotalMilliseconds;
        var day = 24 * hour;
        Contribute(1, T0);
        Contribute(2, T0 + (10 * day));
        Assert.Equal(2, raised);

        Contribute(3, T0 + (10 * day) + (12 * hour));
        Assert.Equal(2, raised);

        Contribute(4, T0 + (12 * day));
        Assert.Equal(3, raised);
    }
}
