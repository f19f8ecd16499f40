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
        var key = GrainKeys.VisitorShard(Site, "v_lookup_1");
        var fast = fixture.Grains.Get<IVisitorShardGrain>(key);
        var usual = fixture.Grains.GetGrain<IVisitorShardGrain>(key);
        Assert.Equal(usual.GetGrainId(), fast.GetGrainId());
        Assert.Equal(((GrainReference)usual).InterfaceType, ((GrainReference)fast).InterfaceType);
        Assert.Equal(fixture.Grains.GetGrain<ICompanyGrain>("demo/x.example").GetGrainId(), fixture.Grains.Get<ICompanyGrain>("demo/x.example").GetGrainId());

        await fast.RecordAsync("v_lookup_1", Pages("v_lookup_1", "/pricing"), Identification.None(UnidentifiedReason.Unknown));
        Assert.Equal(1, (await usual.GetAsync("v_lookup_1"))!.PageViews);
    }

    [Fact]
    public void VisitorShards_AreSpreadAndTheSameInEveryProcess()
    {
        // FNV-1a of the id: fixed values, so that an API node and a silo built apart agree on a visitor's shard.
        Assert.Equal("demo/#" + GrainKeys.ShardOf("v_anna_0001").ToString("d2"), GrainKeys.VisitorShard("demo", "v_anna_0001"));
        Assert.Equal(GrainKeys.ShardOf("v_anna_0001"), GrainKeys.ShardOf(new string("v_anna_0001".ToCharArray())));
        var counts = Enumerable.Range(0, 64_000).GroupBy(i => GrainKeys.ShardOf($"v_{i:x8}")).Select(g => g.Count()).ToList();
        Assert.Equal(GrainKeys.VisitorShards, counts.Count);
        Assert.InRange(counts.Min(), 800, 1000);
        Assert.InRange(counts.Max(), 1000, 1200);
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
        var anna = fixture.Grains.Visitor(Site, "v_anna_0001");
        var bo = fixture.Grains.Visitor(Site, "v_bo_000001");

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
        var visitor = fixture.Grains.Visitor(Site, "v_resent_01");
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
    public async Task VisitorState_SurvivesItsShardsDeactivation()
    {
        var visitor = fixture.Grains.Visitor(Site, "v_sleepy_01");
        await visitor.RecordAsync(Pages("v_sleepy_01", "/pricing", "/blog/x", "/contact"), Identification.None(UnidentifiedReason.Residential));
        var before = await visitor.GetAsync();

        await fixture.Cluster.DeactivateAsync(visitor.Shard);
        var after = await visitor.GetAsync();

        Assert.Equal(3, after!.PageViews);
        Assert.Equal(before!.Score, after.Score);
        Assert.Equal(["/pricing", "/blog/x", "/contact"], after.Journey.Select(j => j.Path));
        Assert.Equal(UnidentifiedReason.Residential, after.Unidentified);
    }

    [Fact]
    public async Task AnIdleVisitor_IsLetGoWithWhatItDeliveredSettled_AndLoadsAgainOnItsNextCall()
    {
        var store = fixture.SiloServices.GetRequiredService<IJournalStore>();
        var stream = StreamNames.Visitor(GrainKeys.Visitor(Site, "v_idle_0001"));
        var visitor = fixture.Grains.Visitor(Site, "v_idle_0001");
        await visitor.RecordAsync(Pages("v_idle_0001", "/pricing", "/contact"), Identification.Of(Company("idle.example")));
        await visitor.RecoverAsync(); // its send has finished: its company has it, nothing owed
        var held = await visitor.Shard.ResidentAsync();

        var gone = await visitor.Shard.LetGoIdleAsync(TimeSpan.Zero);

        Assert.InRange(gone, 1, held);
        Assert.Equal(held - gone, await visitor.Shard.ResidentAsync());
        // One entry is no long replay: no checkpoint as it went, but the entry is settled (written just after
        // the company confirmed it), so a restart after a crash does not wake the visitor to tell its company again.
        var stored = await Eventually.GetAsync(() => store.LoadAsync(stream), s => s.Entries.All(e => !e.Owes));
        Assert.Equal(0, stored.SnapshotSeq);
        Assert.Equal([(1L, false)], stored.Entries.Select(e => (e.Seq, e.Owes)));
        Assert.DoesNotContain(stream, await store.PendingStreamsAsync());

        // Loaded again, it tells its company only what came since: the company, made to forget it meanwhile,
        // would hear of the first two pages again were the settled entry sent again.
        await fixture.Grains.GetGrain<ICompanyGrain>(GrainKeys.Company(Site, "idle.example")).ForgetVisitorAsync("v_idle_0001");
        await visitor.RecordAsync(Pages("v_idle_0001", "/jobs"), Identification.Of(Company("idle.example")));
        await visitor.RecoverAsync(); // its send has finished
        var view = await visitor.GetAsync();
        Assert.Equal(3, view!.PageViews);
        Assert.Equal(["/pricing", "/contact", "/jobs"], view.Journey.Select(j => j.Path));
        Assert.Equal(1, Assert.Single((await CompanyView("idle.example")())!.Visitors).PageViews);
    }

    [Fact]
    public async Task AnIdleVisitorWithALongJournal_IsCheckpointedAsItGoes()
    {
        var store = fixture.SiloServices.GetRequiredService<IJournalStore>();
        var visitor = fixture.Grains.Visitor(Site, "v_idle_long");
        var batches = 9; // more than a visitor leaves past its checkpoint
        for (var i = 0; i < batches; i++)
        {
            await visitor.RecordAsync(Pages("v_idle_long", $"/docs/{i}"), Identification.Of(Company("long.example")));
        }

        await visitor.RecoverAsync(); // its send has finished: nothing owed

        await visitor.Shard.LetGoIdleAsync(TimeSpan.Zero);

        var stored = await store.LoadAsync(StreamNames.Visitor(GrainKeys.Visitor(Site, "v_idle_long")));
        Assert.Equal(batches, stored.SnapshotSeq); // its next load reads the checkpoint, not every entry
        Assert.Empty(stored.Entries);
        Assert.Equal(batches, (await visitor.GetAsync())!.PageViews);
    }

    [Fact]
    public async Task AnUnidentifiedVisitorsEntries_OweNothing_SoACrashWakesNobody()
    {
        var store = fixture.SiloServices.GetRequiredService<IJournalStore>();
        var visitor = fixture.Grains.Visitor(Site, "v_isp_0001");

        await visitor.RecordAsync(Pages("v_isp_0001", "/pricing"), Identification.None(UnidentifiedReason.Residential));

        var stream = StreamNames.Visitor(GrainKeys.Visitor(Site, "v_isp_0001"));
        Assert.False(Assert.Single((await store.LoadAsync(stream)).Entries).Owes);
        Assert.DoesNotContain(stream, await store.PendingStreamsAsync());
    }

    [Fact]
    public async Task CallsForOneVisitor_RunOneAtATime_WhileOthersInTheShardInterleave()
    {
        // Two ids in one shard, each sent twenty batches at once (Orleans may deliver them in any order).
        var first = "v_turns_0001";
        var second = Enumerable.Range(2, 10_000).Select(i => $"v_turns_{i:d4}").First(v => GrainKeys.ShardOf(v) == GrainKeys.ShardOf(first));
        var a = fixture.Grains.Visitor(Site, first);
        var b = fixture.Grains.Visitor(Site, second);

        await Task.WhenAll(Enumerable.Range(0, 20).SelectMany(i => new[]
        {
            a.RecordAsync(Pages(first, $"/a/{i}"), Identification.None(UnidentifiedReason.Residential)),
            b.RecordAsync(Pages(second, $"/b/{i}"), Identification.None(UnidentifiedReason.Residential)),
        }));

        // Run together, two calls of one visitor would decide on the same state and write the same sequence:
        // one at a time, every batch is one entry of an unbroken journal, and every page is in the journey.
        var store = fixture.SiloServices.GetRequiredService<IJournalStore>();
        foreach (var (visitor, prefix) in new[] { (a, "/a/"), (b, "/b/") })
        {
            var view = (await visitor.GetAsync())!;
            Assert.Equal(20, view.PageViews);
            Assert.Equal(Enumerable.Range(0, 20).Select(i => prefix + i).Order(), view.Journey.Select(j => j.Path).Order());
            var stored = await store.LoadAsync(StreamNames.Visitor(GrainKeys.Visitor(Site, visitor.Id)));
            Assert.Equal(Enumerable.Range((int)stored.SnapshotSeq + 1, 20 - (int)stored.SnapshotSeq).Select(seq => (long)seq), stored.Entries.Select(e => e.Seq));
        }
    }

    [Fact]
    public async Task LookingUpAnUnknownVisitor_LeavesNothingResident()
    {
        var visitor = fixture.Grains.Visitor(Site, "v_nobody_01");
        Assert.Null(await visitor.GetAsync());
        var held = await visitor.Shard.ResidentAsync();

        // Not idle for an hour, but nothing is stored for it: it goes now, and writes nothing as it goes.
        var gone = await visitor.Shard.LetGoIdleAsync(TimeSpan.FromHours(1));

        Assert.InRange(gone, 1, held);
        Assert.Equal(held - gone, await visitor.Shard.ResidentAsync());
        var stored = await fixture.SiloServices.GetRequiredService<IJournalStore>().LoadAsync(StreamNames.Visitor(GrainKeys.Visitor(Site, "v_nobody_01")));
        Assert.Null(stored.Snapshot);
        Assert.Empty(stored.Entries);
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

        await fixture.Grains.Visitor(key).RecoverAsync();

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
        var visitor = fixture.Grains.Visitor(Site, "v_stages_01");

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

        var visitor = fixture.Grains.Visitor(Site, "v_nocache_1");
        await visitor.RecordAsync(Pages("v_nocache_1", "/pricing"), Identification.Of(Company("nocache.example")));
        await fixture.Cluster.DeactivateAsync(visitor.Shard);
        await visitor.RecordAsync(Pages("v_nocache_1", "/contact"), Identification.Of(Company("nocache.example")));
        Assert.Equal(2, (await visitor.GetAsync())!.PageViews);
    }
}
