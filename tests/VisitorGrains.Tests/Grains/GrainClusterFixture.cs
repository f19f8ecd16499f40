using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using VisitorGrains.Grains.Hosting;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.Grains;

/// <summary>One in-process silo with the real grains and a SQLite journal in a temp folder.</summary>
public sealed class GrainClusterFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public IServiceProvider SiloServices => Cluster.GetSiloServiceProvider(Cluster.Silos[0].SiloAddress);

    public async Task InitializeAsync()
    {
        Cluster = Build(_data.Path, new() { ["Storage:CheckpointEvery"] = "1000" });
        await Cluster.DeployAsync();
    }

    /// <summary>
    /// One in-process silo with the real grains, its data in <paramref name="data"/>; <paramref name="services"/>
    /// registers first, so what it registers wins over the silo's defaults.
    /// </summary>
    public static InProcessTestCluster Build(string data, Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSiloHost((_, host) => host.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings ?? [])
        {
            ["VG_DATA"] = data,
            ["VG_ADMIN_KEY"] = "test-admin",
        }));
        builder.ConfigureSilo((_, silo) =>
        {
            services?.Invoke(silo.Services);
            silo.AddVisitorGrains(silo.Configuration);
        });
        return builder.Build();
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        _data.Dispose();
    }
}
