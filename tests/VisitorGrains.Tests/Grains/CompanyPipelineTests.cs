using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Journeys;
using VisitorGrains.Domain.Lifecycle;
using VisitorGrains.Domain.Scoring;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Storage;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.Grains;

/// <summary>
/// A busy company does not wait for one contribution's commit before deciding the next: its entries
/// reach the store together, each call ends once its own is durable, and a failed entry makes the company
/// load again, so what its visitors send again is counted once.
/// </summary>
public sealed class CompanyPipelineTests
{
    private const string Site = "demo";
    private static readonly CompanyRef Busy = new() { Id = "busy.example", Name = "Busy", Domain = "busy.example", Status = CrmStatus.Target };

    [Fact]
    public async Task ContributionsToOneCompany_AreAllOnTheirWayToTheStoreAtOnce_AndEachEndsWhenDurable()
    {
        using var data = new TempDirectory();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiting = 0;
        await using var cluster = await StartAsync(data.Path, () =>
        {
            Interlocked.Increment(ref waiting);
            return gate.Task;
        });
        var company = cluster.Client.GetGrain<ICompanyGrain>(GrainKeys.Company(Site, Busy.Id));

        var calls = Enumerable.Range(1, 5).Select(i => company.RecordAsync(Contribution($"v_busy_{i:0000}", seq: 1))).ToList();

        // All five were decided and sent to the store while none is durable: one call at a time, only one would be.
        await Eventually.GetAsync(() => Task.FromResult(Volatile.Read(ref waiting)), n => n == 5, TimeSpan.FromSeconds(10));
        Assert.Equal(5, Volatile.Read(ref waiting));
        Assert.All(calls, call => Assert.False(call.IsCompleted));

        gate.SetResult();
        await Task.WhenAll(calls);

        var store = cluster.GetSiloServiceProvider(cluster.Silos[0].SiloAddress).GetRequiredService<SqliteJournalStore>();
        var stored = await store.LoadAsync(StreamNames.Company(GrainKeys.Company(Site, Busy.Id)));
        Assert.Equal([1L, 2, 3, 4, 5], stored.Entries.Select(e => e.Seq));
        Assert.Equal(5, (await company.GetAsync())!.Visitors.Count);
    }

    [Fact]
    public async Task AFailedEntry_FailsItsCall_TheCompanyLoadsAgain_AndWhatIsSentAgainCountsOnce()
    {
        using var data = new TempDirectory();
        var appends = 0;
        await using var cluster = await StartAsync(data.Path, () =>
            Interlocked.Increment(ref appends) == 2 ? throw new IOException("the disk said no") : Task.CompletedTask);
        var company = cluster.Client.GetGrain<ICompanyGrain>(GrainKeys.Company(Site, Busy.Id));

        await company.RecordAsync(Contribution("v_fail_0001", seq: 1));
        await Assert.ThrowsAnyAsync<Exception>(() => company.RecordAsync(Contribution("v_fail_0002", seq: 1)));

        // The visitors send again what was not confirmed (and, after a lost answer, what was): each counts once.
        var view = await Eventually.GetAsync(async () =>
        {
            try
            {
                await company.RecordAsync(Contribution("v_fail_0002", seq: 1));
                await company.RecordAsync(Contribution("v_fail_0001", seq: 1));
                return await company.GetAsync();
            }
            catch (InvalidOperationException)
            {
                return null; // still being loaded again
            }
        }, v => v is not null, TimeSpan.FromSeconds(20));

        Assert.Equal(["v_fail_0001", "v_fail_0002"], view!.Visitors.Select(v => v.Visitor).Order(StringComparer.Ordinal));
        Assert.All(view.Visitors, v => Assert.Equal(1, v.PageViews));
        Assert.Equal(2 * 30, view.Score);
    }

    private static async Task<DisposableCluster> StartAsync(string data, Func<Task> beforeCompanyAppend)
    {
        var cluster = GrainClusterFixture.Build(data, services: services => services
            .AddSingleton<SqliteJournalStore>()
            .AddSingleton<IJournalStore>(sp => new CompanyAppendsHook(sp.GetRequiredService<SqliteJournalStore>(), beforeCompanyAppend)));
        await cluster.DeployAsync();
        return new DisposableCluster(cluster);
    }

    private static CompanyContribution Contribution(string visitor, long seq)
    {
        var at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return new CompanyContribution
        {
            Visitor = visitor, Seq = seq, Company = Busy, Stage = Stage.Prospect, At = at,
            Points = [new ScorePoint("page:pricing", 30, at)], Pages = ["/pricing"],
        };
    }

    private sealed class DisposableCluster(InProcessTestCluster cluster) : IAsyncDisposable
    {
        public IClusterClient Client => cluster.Client;

        public IReadOnlyList<InProcessSiloHandle> Silos => cluster.Silos;

        public IServiceProvider GetSiloServiceProvider(SiloAddress silo) => cluster.GetSiloServiceProvider(silo);

        public async ValueTask DisposeAsync()
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }
}
