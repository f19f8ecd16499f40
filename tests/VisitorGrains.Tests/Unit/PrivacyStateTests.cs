using VisitorGrains.Domain.Alerts;
using VisitorGrains.Domain.Collecting;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Feed;
using VisitorGrains.Domain.Journeys;
using VisitorGrains.Domain.Privacy;
using VisitorGrains.Domain.Scoring;

namespace VisitorGrains.Tests.Unit;

/// <summary>What retention and erasure take out of each state, and what they leave.</summary>
public sealed class PrivacyStateTests
{
    private const long Day = 86_400_000;
    private static readonly CompanyRef Volvo = new() { Id = "volvocars.com", Name = "Volvo Cars" };

    private static VisitorState VisitedOnDays(params long[] days)
    {
        var state = new VisitorState { Site = "demo", Visitor = "v_anna_berg_01" };
        var seq = 0;
        foreach (var day in days)
        {
            var batch = new CollectBatch
            {
                Site = "demo", Visitor = "v_anna_berg_01",
                Events = [new TrackedEvent { Id = $"e_{day}", Kind = EventKind.PageView, At = day * Day, Url = $"https://x.com/p{day}", Path = $"/p{day}" }],
            };
            var entry = state.Decide(batch, Identification.Of(Volvo), CompiledRules.Default, day * Day)!;
            state.Apply(entry, ++seq);
        }

        return state;
    }

    private static Alert AlertAbout(string? visitor, long seq, long day) => new()
    {
        Seq = seq, Id = $"a_{seq}", Site = "demo", At = DateTimeOffset.FromUnixTimeMilliseconds(day * Day), Rule = AlertRule.HotCompany,
        Company = AlertCompany.From(Volvo), Visitor = visitor, Stage = "MQL", Temperature = "hot", Score = 70, Reasons = [], Pages = ["/pricing"],
    };

    [Fact]
    public void AVisitorForgettingBeforeACutoff_KeepsOnlyTheJourneyAfterIt_AndStartsThere()
    {
        var state = VisitedOnDays(1, 2, 40);

        state.Forget(10 * Day);

        Assert.Equal(["/p40"], state.Journey.Select(j => j.Path));
        Assert.All(state.Points, p => Assert.True(p.At >= 10 * Day));
        Assert.Equal(40 * Day, state.FirstSeen);
        Assert.Equal(["volvocars.com"], state.KnownCompanies());
    }

    [Fact]
    public void ACompanyForgettingAVisitor_DropsItsRow_AndUndeliveredAlertsStopNamingIt()
    {
        var company = new CompanyState { Site = "demo", Id = "volvocars.com", Company = Volvo };
        company.Visitors["v_anna_berg_01"] = new CompanyVisitor { Seq = 1 };
        company.Visitors["v_bo_stays_001"] = new CompanyVisitor { Seq = 1 };
        company.Outbox.Add(AlertAbout("v_anna_berg_01", 0, 1));

        Assert.True(company.ForgetVisitor("v_anna_berg_01"));
        Assert.False(company.ForgetVisitor("v_anna_berg_01"));

        Assert.Equal(["v_bo_stays_001"], company.Visitors.Keys);
        Assert.Null(Assert.Single(company.Outbox).Visitor);
    }

    [Fact]
    public void TheFeed_RedactsAVisitorKeepingTheNumbering_AndRetentionDropsOnlyOlderAlerts()
    {
        var feed = new FeedState();
        feed.Apply(AlertAbout("v_anna_berg_01", 1, 1));
        feed.Apply(AlertAbout("v_bo_stays_001", 2, 1));
        feed.Apply(AlertAbout("v_anna_berg_01", 3, 40));

        Assert.Equal([1L, 3L], feed.Redact("v_anna_berg_01"));
        Assert.Equal([1L, 2L, 3L], feed.Alerts.Select(a => a.Seq));
        Assert.DoesNotContain(feed.Alerts, a => a.Visitor == "v_anna_berg_01");

        Assert.Equal([1L, 2L], feed.ForgetBefore(DateTimeOffset.FromUnixTimeMilliseconds(10 * Day)));
        Assert.Equal([3L], feed.Alerts.Select(a => a.Seq));
    }

    [Fact]
    public void HandlingOfARedactedAlert_KeepsTheClaimAndOutcome_NotTheReason()
    {
        var state = new HandlingState { Site = "demo" };
        var at = DateTimeOffset.UnixEpoch;
        state.Apply(state.Decide(1, "a_1", HandlingActions.Reject, "erik", at, "anna.berg@volvocars.com has no budget", null).Entry!);

        Assert.True(state.Redact([1, 2]));

        var kept = state.Get(1)!;
        Assert.Equal(("erik", "rejected", (string?)null), (kept.ClaimedBy, kept.Outcome, kept.Reason));
        Assert.True(state.Forget([1]));
        Assert.Null(state.Get(1));
    }

    [Fact]
    public void AContactKey_IgnoresCaseAndSpaces_DiffersPerSite_AndIsNotTheEmail()
    {
        var key = ContactKey.Of("demo", ContactKey.Normalise(" Anna.Berg@VolvoCars.com ")!);

        Assert.Equal(key, ContactKey.Of("demo", "anna.berg@volvocars.com"));
        Assert.NotEqual(key, ContactKey.Of("other", "anna.berg@volvocars.com"));
        Assert.DoesNotContain("anna", key, StringComparison.Ordinal);
        Assert.Null(ContactKey.Normalise("not-an-email"));
    }
}
