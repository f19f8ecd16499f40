using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VisitorGrains.Grains.Hosting;

namespace VisitorGrains.Microbench;

/// <summary>The embedded silo as shipped (its SQLite journal in a temp folder, free ports), for benchmarks of grain calls.</summary>
internal sealed class EmbeddedSilo : IDisposable
{
    private readonly IHost _host;
    private readonly string _data = Path.Combine(Path.GetTempPath(), "vg-microbench-" + Guid.NewGuid().ToString("N"));

    public EmbeddedSilo()
    {
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
    }

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public void Dispose()
    {
        _host.StopAsync().GetAwaiter().GetResult();
        _host.Dispose();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
