using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Hosting;

namespace VisitorGrains.Microbench;

/// <summary>
/// What Orleans' messaging costs a page view, apart from the work a grain does: one call from inside the
/// process (as the API calls a visitor's shard) to a grain method that does nothing but answer
/// (<see cref="IVisitorShardGrain.ResidentAsync"/>), in the embedded silo as shipped.
/// </summary>
[MemoryDiagnoser]
public class GrainCalls
{
    private IHost? _host;
    private string? _data;
    private IVisitorShardGrain? _shard;

    [GlobalSetup]
    public void Setup()
    {
        _data = Path.Combine(Path.GetTempPath(), "vg-microbench-" + Guid.NewGuid().ToString("N"));
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["VG_DATA"] = _data,
            ["Orleans:SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.UseOrleans(silo => silo.UseVisitorGrainsClustering(builder.Configuration).AddVisitorGrains(builder.Configuration));
        _host = builder.Build();
        _host.StartAsync().GetAwaiter().GetResult();
        _shard = _host.Services.GetRequiredService<IGrainFactory>().GetGrain<IVisitorShardGrain>(GrainKeys.VisitorShard("bench", "v_1"));
        _shard.ResidentAsync().GetAwaiter().GetResult(); // activated before measuring
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _host?.StopAsync().GetAwaiter().GetResult();
        _host?.Dispose();
        if (_data is not null && Directory.Exists(_data))
        {
            Directory.Delete(_data, true);
        }
    }

    [Benchmark(Description = "an in-process grain call that does nothing (a visitor shard's ResidentAsync)")]
    public Task<int> Call() => _shard!.ResidentAsync();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
