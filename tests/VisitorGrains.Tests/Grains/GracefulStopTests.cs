using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VisitorGrains.Domain.Collecting;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Journeys;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Hosting;
using VisitorGrains.Grains.Storage;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.Grains;

/// <summary>
/// A graceful stop waits for visitors still telling their company: without that, the silo deactivates
/// the company between two of a visitor's contributions and the visitor is left with entries that still
/// owe it.
/// </summary>
public sealed class GracefulStopTests
{
    private const string Site = "demo";

    [Fact]
    public async Task AStoppingSilo_LetsVisitorsFinishTheirOutbox_BeforeItDeactivatesCompanies()
    {
        using var data = new TempDirectory();
        // The silo's own store, kept inside one where a company takes a while to record.
        var cluster = GrainClusterFixture.Build(data.Path, services: services => services
            .AddSingleton<SqliteJournalStore>()
            .AddSingleton<IJournalStore>(sp => new CompanyAppendsHook(sp.GetRequiredService<SqliteJournalStore>(), () => Task.Delay(700))));
        await cluster.DeployAsync();
        var company = new CompanyRef { Id = "slow.example", Name = "Slow", Domain = "slow.example", Status = CrmStatus.Target, Owner = "erik" };
        var visitor = cluster.Client.Visitor(Site, "v_stopping_1");
        var unsent = cluster.GetSiloServiceProvider(cluster.Silos[0].SiloAddress).GetRequiredService<UnsentOutboxes>();

        // Three contributions queue in the visitor's outbox; the first is on its way to the company.
        foreach (var path in new[] { "/pricing", "/contact", "/demo" })
        {
            await visitor.RecordAsync(Page(path), Identification.Of(company));
        }

        Assert.Equal(1, unsent.Count);
        await cluster.StopAllSilosAsync();
        await cluster.DisposeAsync();

        await using var store = new SqliteJournalStore(
            Options.Create(new StorageOptions { Path = Path.Combine(data.Path, "visitorgrains.db") }), NullLogger<SqliteJournalStore>.Instance);
        Assert.Empty(await store.PendingStreamsAsync());
        Assert.Equal(0, unsent.Count);
    }

    private static CollectBatch Page(string path)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return new CollectBatch
        {
            Site = Site,
            Visitor = "v_stopping_1",
            Events = [new TrackedEvent { Id = $"e_{Guid.NewGuid():N}", Kind = EventKind.PageView, At = now, Url = "https://example.com" + path, Path = path }],
        };
    }
}
