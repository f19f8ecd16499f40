using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using VisitorGrains.Domain.Alerts;
using VisitorGrains.Domain.Collecting;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Journeys;
using VisitorGrains.Domain.Lifecycle;
using VisitorGrains.Domain.Scoring;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Storage;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.Grains;

public sealed class GrainTests(GrainClusterFixture fixture) : IClassFixture<GrainClusterFixture>
{
    private const string Site = "demo";

    private static CompanyRef Company(string id) => new() { Id = id, Name = id.Split('.')[0], Domain = id, Status = CrmStatus.Target, Owner = "erik" };

    private static CollectBatch Pages(string visitor, params string[] paths)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return new CollectBatch
        {
            Site = Site,
            Visitor = visitor,
            Events = paths.Select((p, i) => new TrackedEvent
            {
                Id = $"e_{Guid.NewGuid():N}", Kind = EventKind.PageView, At = now + i, Url = "https://example.com" + p, Path = p,
            }).ToList(),
        };
    }

    [Fact]
    public async Task AReferenceFromCachedNames_IsTheReferenceOrleansMakes()
    {
        var key = GrainKeys.Visitor(Site, "v_lookup_1");
        var fast = fixture.Grains.Get<IVisitorGrain>(key);
        var usual = fixture.Grains.GetGrain<IVisitorGrain>(key);
        Assert.Equal(usual.GetGrainId(), fast.GetGrainId());
        Assert.Equal(((GrainReference)usual).InterfaceType, ((GrainReference)fast).InterfaceType);
        Assert.Equal(fixture.Grains.GetGrain<ICompanyGrain>("demo/x.example").GetGrainId(), fixture.Grains.Get<ICompanyGrain>("demo/x.example").GetGrainId());

        await fast.RecordAsync(Pages("v_lookup_1", "/pricing"), Identification.None(UnidentifiedReason.Unknown));
        Assert.Equal(1, (await usual.GetAsync())!.PageViews);
    }

    private Func<Task<CompanyView?>> CompanyView(string companyId) =>
        () => fixture.Grains.GetGrain<ICompanyGrain>(GrainKeys.Company(Site, companyId)).GetAsync();

    private async Task<List<Alert>> AlertsFor(string companyId) =>
        (await fixture.Grains.GetGrain<IFeedGrain>(Site).AfterAsync(0, 1000))
            .Where(a => a.Company.Id == companyId && a.Rule == AlertRule.HotCompany).ToList();

    [Fact]
    public async Task VisitorsOfOneCompany_TogetherMakeItHot_AndRaiseOneAlert()
    {
        var company = Company("hot-together.example");
        var anna = fixture.Grains.GetGrain<IVisitorGrain>(GrainKeys.Visitor(Site, "v_anna_0001"));
        var bo = fixture.Grains.GetGrain<IVisitorGrain>(GrainKeys.Visitor(Site, "v_bo_000001"));

        await anna.RecordAsync(Pages("v_anna_0001", "/pricing", "/contact"), Identification.Of(company));
        Assert.Equal(45, (await Eventually.GetAsync(CompanyView(company.Id), v => v is not null))!.Score);
        Assert.Empty(await AlertsFor(company.Id));
        await bo.RecordAsync(Pages("v_bo_000001", "/pricing"), Identification.Of(company));
        await bo.RecordAsync(Pages("v_bo_000001", "/contact"), Identification.Of(company));

        var alert = Assert.Single(await Eventually.GetAsync(() => AlertsFor(company.Id), alerts => alerts.Count > 0));
        Assert.Equal(AlertRule.HotCompany, alert.Rule);
        Assert.Equal("v_bo_000001", alert.Visitor);
        Assert.Equal(65, alert.Score);
        Assert.Equal("erik", alert.Assignee);
        var view = await Eventually.GetAsync(CompanyView(company.Id), v => v?.Score == 90);
        Assert.Equal(90, view!.Score);
        Assert.Equal(2, view.Visitors.Count);
        Assert.Single(await AlertsFor(company.Id));
    }

    [Fact]
    public async Task ResentBatch_IsCountedOnce()
    {
        var company = Company("resent.example");
        var visitor = fixture.Grains.GetGrain<IVisitorGrain>(GrainKeys.Visitor(Site, "v_resent_01"));
        var batch = Pages("v_resent_01", "/pricing");

        await visitor.RecordAsync(batch, Identification.Of(company));
        await visitor.RecordAsync(batch, Identification.Of(company));

        Assert.Equal(20, (await visitor.GetAsync())!.Score);
        var view = await Eventually.GetAsync(CompanyView(company.Id), v => v is not null);
        await visitor.RecoverAsync();
        Assert.Equal(20, (await CompanyView(company.Id)())!.Score);
        Assert.Equal(20, view!.Score);
    }

    [Fact]
    public async Task VisitorState_SurvivesDeactivation()
    {
        var visitor = fixture.Grains.GetGrain<IVisitorGrain>(GrainKeys.Visitor(Site, "v_sleepy_01"));
        await visitor.RecordAsync(Pages("v_sleepy_01", "/pricing", "/blog/x", "/contact"), Identification.None(UnidentifiedReason.Residential));
        var before = await visitor.GetAsync();

        await fixture.Cluster.DeactivateAsync(visitor);
        var after = await visitor.GetAsync();

        Assert.Equal(3, after!.PageViews);
        Assert.Equal(before!.Score, after.Score);
        Assert.Equal(["/pricing", "/blog/x", "/contact"], after.Journey.Select(j => j.Path));
        Assert.Equal(UnidentifiedReason.Residential, after.Unidentified);
    }

    [Fact]
    public async Task AContributionLostInACrash_ReachesTheCompanyOnRecovery()
    {
        // The crash: the visitor's entry was journaled, but the process died before the company heard of it.
        var company = Company("recovered.example");
        var key = GrainKeys.Visitor(Site, "v_crashed_1");
        var entry = new VisitorState { Site = Site, Visitor = "v_crashed_1" }
            .Decide(Pages("v_crashed_1", "/contact"), Identification.Of(company), CompiledRules.Default, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())!;
        var serializer = fixture.SiloServices.GetRequiredService<Serializer>();
        await fixture.SiloServices.GetRequiredService<IJournalStore>().AppendAsync(StreamNames.Visitor(key), 1, serializer.SerializeToArray(entry), entry.Events[^1].At);
        Assert.Contains(StreamNames.Visitor(key), await fixture.SiloServices.GetRequiredService<IJournalStore>().PendingStreamsAsync());

        await fixture.Grains.GetGrain<IVisitorGrain>(key).RecoverAsync();

        var view = await fixture.Grains.GetGrain<ICompanyGrain>(GrainKeys.Company(Site, company.Id)).GetAsync();
        Assert.Equal(25, view!.Score);
        Assert.Equal("v_crashed_1", Assert.Single(view.Visitors).Visitor);
    }

    [Fact]
    public async Task Feed_NumbersAlertsOnce_AndReplaysAfterASequence()
    {
        var feed = fixture.Grains.GetGrain<IFeedGrain>("feed-test");
        Alert Make(string id) => new()
        {
            Id = id, Site = "feed-test", At = DateTimeOffset.UtcNow, Rule = AlertRule.HotCompany,
            Company = new AlertCompany { Id = "x.example", Name = "X" }, Stage = "prospect", Temperature = "hot",
            Score = 70, Reasons = [], Pages = [],
        };

        var first = await feed.AppendAsync(Make("a_1"));
        var again = await feed.AppendAsync(Make("a_1"));
        var second = await feed.AppendAsync(Make("a_2"));

        Assert.Equal((1, 1, 2), (first, again, second));
        Assert.Equal(["a_2"], (await feed.AfterAsync(1, 10)).Select(a => a.Id));
    }

    [Fact]
    public async Task VisitorStage_MovesToMqlWithItsReason()
    {
        var visitor = fixture.Grains.GetGrain<IVisitorGrain>(GrainKeys.Visitor(Site, "v_stages_01"));

        await visitor.RecordAsync(Pages("v_stages_01", "/pricing", "/contact"), Identification.Of(Company("stages.example")));

        var view = await visitor.GetAsync();
        Assert.Equal(StageNames.Display(Stage.Mql), view!.Stage);
        Assert.Equal("score reached the MQL threshold", view.StageHistory[^1].Reason);
    }

    [Fact]
    public async Task OneSilo_KeepsNoDirectoryCache_AndStillFindsItsGrains()
    {
        // Every grain is in the silo's own directory: a cache of addresses would be an entry per activation.
        Assert.Equal(GrainDirectoryOptions.CachingStrategyType.None,
            fixture.SiloServices.GetRequiredService<IOptions<GrainDirectoryOptions>>().Value.CachingStrategy);

        var visitor = fixture.Grains.GetGrain<IVisitorGrain>(GrainKeys.Visitor(Site, "v_nocache_1"));
        await visitor.RecordAsync(Pages("v_nocache_1", "/pricing"), Identification.Of(Company("nocache.example")));
        await fixture.Cluster.DeactivateAsync(visitor);
        await visitor.RecordAsync(Pages("v_nocache_1", "/contact"), Identification.Of(Company("nocache.example")));
        Assert.Equal(2, (await visitor.GetAsync())!.PageViews);
    }
}
