using Microsoft.Extensions.Configuration;
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
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSiloHost((_, host) => host.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["VG_DATA"] = _data.Path,
            ["VG_ADMIN_KEY"] = "test-admin",
            ["Storage:CheckpointEvery"] = "1000",
        }));
        builder.ConfigureSilo((_, silo) => silo.AddVisitorGrains(silo.Configuration));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        _data.Dispose();
    }
}
