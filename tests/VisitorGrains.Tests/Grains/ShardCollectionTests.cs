using Microsoft.Extensions.DependencyInjection;
using VisitorGrains.Domain.Collecting;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Journeys;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Hosting;
using VisitorGrains.Grains.Storage;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.Grains;

/// <summary>
/// A shard lets its idle visitors go on its own, what they delivered settled, but never one that still owes
/// its company: that one stays until the company has what it is owed.
/// </summary>
public sealed class ShardCollectionTests
{
    private const string Site = "demo";

    [Fact]
    public async Task AnIdleVisitor_IsLetGoByItsShard_OnlyOnceItsCompanyHasWhatItOwes()
    {
        using var data = new TempDirectory();
        // Visitors idle for a second go, looked for every second; companies cannot record until the test has
        // seen the visitor kept (a window in seconds was used up by a slow start-up in CI).
        var failing = true;
        var cluster = GrainClusterFixture.Build(data.Path,
            new() { ["Orleans:VisitorCollectionAge"] = "00:00:01", ["Orleans:CollectionQuantum"] = "00:00:01" },
            services => services
                .AddSingleton<SqliteJournalStore>()
                .AddSingleton<IJournalStore>(sp => new CompanyAppendsHook(sp.GetRequiredService<SqliteJournalStore>(), () =>
                    Volatile.Read(ref failing) ? throw new IOException("the disk is not there yet") : Task.CompletedTask)));
        await cluster.DeployAsync();
        try
        {
            var company = new CompanyRef { Id = "owed.example", Name = "Owed", Domain = "owed.example", Status = CrmStatus.Target, Owner = "erik" };
            var visitor = cluster.Client.Visitor(Site, "v_owing_0001");
            await visitor.RecordAsync(Page("/pricing"), Identification.Of(company));

            // Its company could not be told: it waits for its retry (5 s on), and rounds meanwhile keep it.
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            Assert.Equal(1, await visitor.Shard.ResidentAsync());
            var unsent = cluster.GetSiloServiceProvider(cluster.Silos[0].SiloAddress).GetRequiredService<UnsentOutboxes>();
            Assert.Equal(1, unsent.Count); // what GET /api/stats reports as visitorsOwingCompanies
            Volatile.Write(ref failing, false);

            // Once the retry has reached the company, a round lets it go, its entry settled: a restart replays nothing.
            await Eventually.GetAsync(() => visitor.Shard.ResidentAsync(), resident => resident == 0, TimeSpan.FromSeconds(30));
            var view = await cluster.Client.GetGrain<ICompanyGrain>(GrainKeys.Company(Site, "owed.example")).GetAsync();
            Assert.Equal("v_owing_0001", Assert.Single(view!.Visitors).Visitor);
            var store = cluster.GetSiloServiceProvider(cluster.Silos[0].SiloAddress).GetRequiredService<IJournalStore>();
            var stream = StreamNames.Visitor(GrainKeys.Visitor(Site, "v_owing_0001"));
            var stored = await Eventually.GetAsync(() => store.LoadAsync(stream), s => s.Entries.All(e => !e.Owes));
            Assert.False(Assert.Single(stored.Entries).Owes);
            Assert.DoesNotContain(stream, await store.PendingStreamsAsync());
            Assert.Equal(1, (await visitor.GetAsync())!.PageViews);
            Assert.Equal(0, unsent.Count);
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    private static CollectBatch Page(string path) => new()
    {
        Site = Site,
        Visitor = "v_owing_0001",
        Events = [new TrackedEvent
        {
            Id = $"e_{Guid.NewGuid():N}", Kind = EventKind.PageView, At = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            Url = "https://example.com" + path, Path = path,
        }],
    };
}
