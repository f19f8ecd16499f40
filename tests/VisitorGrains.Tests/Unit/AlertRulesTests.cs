using VisitorGrains.Domain.Alerts;
using VisitorGrains.Domain.Collecting;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Journeys;
using VisitorGrains.Domain.Lifecycle;
using VisitorGrains.Domain.Scoring;

namespace VisitorGrains.Tests.Unit;

/// <summary>The sales signals, each firing when it should and staying quiet when it should not.</summary>
public sealed class AlertRulesTests
{
    private const long T0 = 1_763_900_000_000;
    private static readonly long Hour = (long)TimeSpan.FromHours(1).TotalMilliseconds;

    private static CompiledRules Rules(string json)
    {
        var (rules, errors) = CompiledRules.Compile(1, json);
        Assert.True(rules is not null, string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(",", e.Value)}")));
        return rules;
    }

    private const string AllRules = """
        {
          "pages": [
            {"match": "/pricing*", "category": "pricing", "points": 20, "highIntent": true},
            {"match": "/contact*", "category": "contact", "points": 25, "highIntent": true},
            {"match": "re:^/products/(?<product>[a-z0-9-]+)", "category": "product", "points": 5},
            {"match": "/careers*", "category": "careers", "points": -15},
            {"match": "/blog/**", "category": "blog", "points": 5}
          ],
          "caps": {"blog": 12},
          "icp": {"industries": ["automotive"], "minEmployees": 200, "countries": ["SE", "PL"]},
          "thresholds": {"warm": 30, "hot": 60, "mql": 40},
          "routing": {"territories": {"PL": "piotr"}, "salespeople": ["anna", "bo", "cem"]},
          "alerts": {"surge": {"visitors": 3, "days": 7}, "cooldownHours": 24}
        }
        """;

    private static CompanyRef Company(CrmStatus status = CrmStatus.Target, string? owner = "erik", string? industry = null,
        int? employees = null, string country = "SE", params string[] products) => new()
    {
        Id = "acme.example", Name = "Acme", Domain = "acme.example", Status = status, Owner = owner,
        Industry = industry, Employees = employees, Country = country, Products = products,
    };

    /// <summary>A visitor browses; its contribution goes to the company; returns the alerts raised.</summary>
    private static List<Alert> Visit(CompanyState company, VisitorState visitor, CompanyRef companyRef, CompiledRules rules, long at, params string[] paths)
    {
        var batch = new CollectBatch
        {
            Site = "demo",
            Visitor = visitor.Visitor,
            Events = paths.Select((p, i) => new TrackedEvent
            {
                Id = $"e_{Guid.NewGuid():N}", Kind = EventKind.PageView, At = at + i, Url = "https://acme.example" + p, Path = p,
            }).ToList(),
        };
        var entry = visitor.Decide(batch, Identification.Of(companyRef), rules, at + paths.Length)!;
        visitor.Apply(entry, visitor.Seq + 1);
        var contribution = visitor.ContributionOf(entry, visitor.Seq)!;
        var decided = company.Decide(contribution, rules, at + paths.Length, () => $"a_{Guid.NewGuid():N}")!;
        company.Apply(decided, company.Seq + 1);
        return [.. decided.Alerts];
    }

    private static VisitorState NewVisitor(string id) => new() { Site = "demo", Visitor = id };

    private static CompanyState NewCompany() => new() { Site = "demo", Id = "acme.example" };

    [Fact]
    public void HighIntentPage_AlertsWhenAWarmCompanyViewsPricing_NotBefore()
    {
        var rules = Rules(AllRules);
        var company = NewCompany();
        var visitor = NewVisitor("v_00000001");

        var first = Visit(company, visitor, Company(), rules, T0, "/pricing");
        var second = Visit(company, visitor, Company(), rules, T0 + 1000, "/contact");

        Assert.DoesNotContain(first, a => a.Rule == AlertRule.HighIntentPage);
        var alert = Assert.Single(second, a => a.Rule == AlertRule.HighIntentPage);
        Assert.Equal("erik", alert.Assignee);
        Assert.Contains(alert.Reasons, r => r.Signal == "page:/contact");
        Assert.Contains(alert.Reasons, r => r.Signal == "page:contact" && r.Points == 25);
    }

    [Fact]
    public void CareersOnlyVisitor_NeverGetsHotNorAlerts()
    {
        var rules = Rules(AllRules);
        var company = NewCompany();
        var visitor = NewVisitor("v_00000002");

        var alerts = Visit(company, visitor, Company(), rules, T0, "/careers/a", "/careers/b", "/careers/c", "/careers/d", "/careers/e");

        Assert.Empty(alerts);
        Assert.Equal(0, company.Score(T0 + 10, rules));
    }

    [Fact]
    public void IcpCompany_AlertsOnItsVisit_OnlyWhenEveryCriterionFits()
    {
        var rules = Rules(AllRules);

        var fits = Visit(NewCompany(), NewVisitor("v_00000003"), Company(industry: "automotive", employees: 5000), rules, T0, "/");
        var tooSmall = Visit(NewCompany(), NewVisitor("v_00000004"), Company(industry: "automotive", employees: 50), rules, T0, "/");

        var alert = Assert.Single(fits, a => a.Rule == AlertRule.IcpCompany);
        Assert.Contains(alert.Reasons, r => r.Signal == "icp:fit" && r.Points == 100);
        Assert.DoesNotContain(tooSmall, a => a.Rule == AlertRule.IcpCompany);
        Assert.Equal(67, FitScore.Of(Company(industry: "automotive", employees: 50), rules.Document.Icp).Score);
    }

    [Fact]
    public void LostDealReturns_TellsTheOwner_OncePerCooldown()
    {
        var rules = Rules(AllRules);
        var company = NewCompany();
        var lost = Company(CrmStatus.LostDeal, owner: "lena");

        var first = Visit(company, NewVisitor("v_00000005"), lost, rules, T0, "/");
        var again = Visit(company, NewVisitor("v_00000006"), lost, rules, T0 + Hour, "/");
        var nextDay = Visit(company, NewVisitor("v_00000007"), lost, rules, T0 + (25 * Hour), "/");

        Assert.Equal("lena", Assert.Single(first, a => a.Rule == AlertRule.LostDealReturns).Assignee);
        Assert.DoesNotContain(again, a => a.Rule == AlertRule.LostDealReturns);
        Assert.Single(nextDay, a => a.Rule == AlertRule.LostDealReturns);
    }

    [Fact]
    public void CustomerNewProduct_AlertsForAProductTheyDoNotOwn_NotForOneTheyOwn()
    {
        var rules = Rules(AllRules);
        var customer = Company(CrmStatus.Customer, owner: "kim", products: ["fleet"]);

        var owned = Visit(NewCompany(), NewVisitor("v_00000008"), customer, rules, T0, "/products/fleet");
        var other = Visit(NewCompany(), NewVisitor("v_00000009"), customer, rules, T0, "/products/insight");

        Assert.DoesNotContain(owned, a => a.Rule == AlertRule.CustomerNewProduct);
        var alert = Assert.Single(other, a => a.Rule == AlertRule.CustomerNewProduct);
        Assert.Equal("kim", alert.Assignee);
        Assert.Contains(alert.Reasons, r => r.Signal == "product:insight");
    }

    [Fact]
    public void Surge_AlertsWhenTheThirdDistinctVisitorArrivesWithinTheWindow()
    {
        var rules = Rules(AllRules);
        var company = NewCompany();

        var one = Visit(company, NewVisitor("v_0000000a"), Company(), rules, T0, "/");
        var two = Visit(company, NewVisitor("v_0000000b"), Company(), rules, T0 + Hour, "/");
        var three = Visit(company, NewVisitor("v_0000000c"), Company(), rules, T0 + (2 * Hour), "/");

        Assert.DoesNotContain(one.Concat(two), a => a.Rule == AlertRule.Surge);
        Assert.Contains(Assert.Single(three, a => a.Rule == AlertRule.Surge).Reasons, r => r.Signal == "surge:visitors" && r.Points == 3);
        Assert.Equal(3, company.ActiveVisitors(T0 + (2 * Hour), rules));
        Assert.Equal(1, company.ActiveVisitors(T0 + (7 * 24 * Hour) + Hour + 10, rules));
    }

    [Fact]
    public void ActiveVisitors_KeptCount_AgreesWithCountingEveryVisitor_AsVisitorsComeBackLeaveTheWindowAndAreForgotten()
    {
        // The company keeps its count of active visitors between contributions instead of walking all of
        // them each time; this walks them after every step and compares.
        var rules = Rules(AllRules);
        var window = 7 * 24 * Hour;
        var company = NewCompany();
        var random = new Random(8);
        var now = T0;
        var seqs = new Dictionary<string, long>();
        for (var step = 0; step < 3000; step++)
        {
            now += random.Next(10) switch
            {
                0 => random.NextInt64(window / 2),      // a quiet spell: visitors leave the window
                1 => -random.NextInt64(Hour),           // a contribution that arrives late
                _ => random.NextInt64(10 * 60_000),
            };
            if (random.Next(40) == 0 && company.Visitors.Count > 0)
            {
                company.ForgetVisitor(company.Visitors.Keys.ElementAt(random.Next(company.Visitors.Count)));
            }
            else
            {
                var visitor = $"v_{random.Next(200):x8}";
                var seq = seqs[visitor] = seqs.GetValueOrDefault(visitor) + 1;
                var contribution = new CompanyContribution
                {
                    Visitor = visitor, Seq = seq, Company = Company(), Points = [], Pages = ["/"], Stage = Stage.Visitor, At = now,
                };
                company.Apply(company.Decide(contribution, rules, now, () => "a")!, company.Seq + 1);
            }

            foreach (var at in new[] { now, now + random.NextInt64(window), now + window + random.NextInt64(window) })
            {
                var counted = company.Visitors.Values.Count(v => v.LastSeen >= at - window);
                Assert.Equal(counted, company.ActiveVisitors(at, rules));
            }
        }
    }

    [Theory]
    [InlineData(CrmStatus.Competitor)]
    [InlineData(CrmStatus.Own)]
    public void CompetitorsAndOwnStaff_NeverAlert(CrmStatus status)
    {
        var rules = Rules(AllRules);
        var company = NewCompany();
        var visitor = NewVisitor("v_0000000d");
        var them = Company(status, industry: "automotive", employees: 5000);

        var alerts = Visit(company, visitor, them, rules, T0, "/pricing", "/contact", "/pricing/x", "/contact/y");
        alerts.AddRange(Visit(company, NewVisitor("v_0000000e"), them, rules, T0 + 10, "/pricing"));
        alerts.AddRange(Visit(company, NewVisitor("v_0000000f"), them, rules, T0 + 20, "/pricing"));

        Assert.Empty(alerts);
        Assert.True(company.Score(T0 + 30, rules) >= 60);
    }

    [Fact]
    public void SwitchedOffRules_StayQuiet()
    {
        var rules = Rules("""
            {"pages":[{"match":"/pricing*","category":"pricing","points":70,"highIntent":true}],
             "alerts":{"hotCompany":false,"highIntentPage":false,"icpCompany":false,"lostDealReturns":false,"customerNewProduct":false}}
            """);

        var alerts = Visit(NewCompany(), NewVisitor("v_00000010"), Company(CrmStatus.LostDeal), rules, T0, "/pricing", "/pricing/b");

        Assert.Empty(alerts);
    }

    [Fact]
    public void Assignee_IsTheOwner_ElseTheTerritory_ElseOneSalespersonPerCompany()
    {
        var rules = Rules(AllRules);

        Assert.Equal("erik", AlertRules.AssigneeFor(Company(owner: "erik", country: "PL"), rules));
        Assert.Equal("piotr", AlertRules.AssigneeFor(Company(owner: null, country: "PL"), rules));
        var pick = AlertRules.AssigneeFor(Company(owner: null, country: "DE"), rules);
        Assert.Contains(pick, new[] { "anna", "bo", "cem" });
        Assert.Equal(pick, AlertRules.AssigneeFor(Company(owner: null, country: "DE"), rules));
        Assert.Null(AlertRules.AssigneeFor(Company(owner: null), CompiledRules.Compile(1, "{}").Rules!));
    }

    [Fact]
    public void CategoryCap_LimitsWhatOneCategoryCanEarn()
    {
        var rules = Rules(AllRules);
        var visitor = NewVisitor("v_00000011");

        Visit(NewCompany(), visitor, Company(), rules, T0, "/blog/a", "/blog/b", "/blog/c", "/blog/d", "/blog/e");

        Assert.Equal(12, visitor.Score(T0 + 10, rules), 1);
        Assert.Equal(12, Assert.Single(visitor.Reasons(T0 + 10, rules)).Points);
    }

    [Fact]
    public void RulesValidation_ReportsCapsIcpRoutingAndSurgeProblemsWithPaths()
    {
        var (rules, errors) = CompiledRules.Compile(1, """
            {"caps":{"astrology":5,"blog":0},
             "icp":{"minEmployees":500,"maxEmployees":100,"countries":["Sweden"],"minFit":0},
             "routing":{"territories":{"SWE":"x"},"salespeople":[""]},
             "alerts":{"surge":{"visitors":1,"days":0}}}
            """);

        Assert.Null(rules);
        Assert.Equal(
            ["alerts.surge", "caps.astrology", "caps.blog", "icp.countries[0]", "icp.maxEmployees", "icp.minFit", "routing.salespeople[0]", "routing.territories.SWE"],
            errors.Keys.Order(StringComparer.Ordinal));
    }
}
