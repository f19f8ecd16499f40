using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using VisitorGrains.Domain.Collecting;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Hosting;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.Grains;

/// <summary>Scores fade with the rules' half-life, on the silo's clock (a fake one here).</summary>
public sealed class DecayTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private readonly ManualClock _clock = new(DateTimeOffset.Parse("2026-11-23T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSiloHost((_, host) => host.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["VG_DATA"] = _data.Path,
            ["VG_ADMIN_KEY"] = "test-admin",
        }));
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton<TimeProvider>(_clock);
            silo.AddVisitorGrains(silo.Configuration);
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task AVisitorsAndItsCompanysScores_HalveEveryFourteenDays()
    {
        var company = new CompanyRef { Id = "fading.example", Name = "Fading" };
        var visitor = _cluster.Client.Visitor("demo", "v_fading_01");
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        await visitor.RecordAsync(new CollectBatch
        {
            Site = "demo", Visitor = "v_fading_01",
            Events =
            [
                new TrackedEvent { Id = "e_1", Kind = EventKind.PageView, At = now, Url = "https://x.com/pricing", Path = "/pricing" },
                new TrackedEvent { Id = "e_2", Kind = EventKind.PageView, At = now, Url = "https://x.com/contact", Path = "/contact" },
            ],
        }, Identification.Of(company));
        var companyGrain = _cluster.Client.GetGrain<ICompanyGrain>(GrainKeys.Company("demo", company.Id));
        await Eventually.GetAsync(() => companyGrain.GetAsync(), c => c is not null);

        Assert.Equal((45, "warm"), await Scores());
        _clock.Advance(TimeSpan.FromDays(14));
        Assert.Equal((23, "cold"), await Scores());
        _clock.Advance(TimeSpan.FromDays(14));
        Assert.Equal((11, "cold"), await Scores());
        Assert.Equal(11, (await companyGrain.GetAsync())!.Score);

        async Task<(int, string)> Scores()
        {
            var view = (await visitor.GetAsync())!;
            return (view.Score, view.Temperature);
        }
    }
}
