using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Journeys;
using VisitorGrains.Domain.Lifecycle;
using VisitorGrains.Domain.Scoring;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Hosting;

namespace VisitorGrains.Microbench;

/// <summary>
/// How many contributions one company takes when its visitors send at once (a popular account on a busy
/// day): 64 visitors' contributions to one company, sent together, each answered once its entry is durable,
/// in the embedded silo as shipped (its SQLite journal and group commit).
/// </summary>
[MemoryDiagnoser]
public class CompanyContributions
{
    private const int Visitors = 64;
    private static readonly CompanyRef Company = new() { Id = "busy.example", Name = "Busy", Domain = "busy.example", Status = CrmStatus.Target };
    private IHost? _host;
    private string? _data;
    private ICompanyGrain? _company;
    private long _seq;

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
        var grains = _host.Services.GetRequiredService<IGrainFactory>();
        grains.GetGrain<ISiteGrain>("bench").SaveSettingsAsync("Bench", [], 60, null).GetAwaiter().GetResult();
        _company = grains.GetGrain<ICompanyGrain>(GrainKeys.Company("bench", Company.Id));
        SendAll().GetAwaiter().GetResult(); // activated and its visitors known before measuring
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

    [Benchmark(Description = "64 visitors' contributions to one company, sent at once, each answered when durable")]
    public Task SendAll()
    {
        // Each round is every visitor's next journal entry: new to the company, never a replay.
        var seq = ++_seq;
        var at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var calls = new Task[Visitors];
        for (var i = 0; i < Visitors; i++)
        {
            calls[i] = _company!.RecordAsync(new CompanyContribution
            {
                Visitor = $"v_bench_{i:0000}", Seq = seq, Company = Company, Stage = Stage.Prospect, At = at,
                Points = [new ScorePoint("page:pricing", 10, at)], Pages = ["/pricing"],
            });
        }

        return Task.WhenAll(calls);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
