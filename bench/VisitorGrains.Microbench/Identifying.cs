using System.Net;
using BenchmarkDotNet.Attributes;
using MaxMind.Db;
using MaxMind.GeoIP2;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Identifying;
using VisitorGrains.Grains.Identifying;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Microbench;

/// <summary>
/// Identifications per second, cached and uncached, against the raw MaxMind reader in the same run. The
/// database is a GeoIP2 Enterprise layout with 60,000 networks (business, residential, hosting) written
/// at setup; the site has 1,000 accounts with ranges. Uncached means every call misses: 4,096 rotating
/// addresses through a 16-entry cache.
/// </summary>
[MemoryDiagnoser]
public class Identifying
{
    private const int Addresses = 4096;
    private string _folder = null!;
    private DatabaseReader _reader = null!;
    private IpDatabases _databases = null!;
    private CompanyIdentifier _cached = null!;
    private CompanyIdentifier _uncached = null!;
    private AccountDirectory _accounts = null!;
    private IPAddress[] _addresses = null!;

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("vg-bench-").FullName;
        var path = Path.Combine(_folder, "enterprise.mmdb");
        var writer = new MmdbWriter("GeoIP2-Enterprise");
        var userTypes = new[] { "business", "residential", "residential", "hosting", "cellular" };
        for (var i = 0; i < 60_000; i++)
        {
            var network = $"{11 + (i / 65536)}.{(i / 256) % 256}.{i % 256}.0/24";
            writer.Insert(network, new Dictionary<string, object>
            {
                ["city"] = new Dictionary<string, object> { ["names"] = new Dictionary<string, object> { ["en"] = $"City {i % 500}" } },
                ["country"] = new Dictionary<string, object> { ["iso_code"] = "SE" },
                ["traits"] = new Dictionary<string, object>
                {
                    ["organization"] = $"Organization {i % 5000}",
                    ["isp"] = $"Provider {i % 50}",
                    ["user_type"] = userTypes[i % userTypes.Length],
                    ["autonomous_system_number"] = 64_000L + (i % 500),
                    ["autonomous_system_organization"] = $"Provider {i % 50}",
                },
            });
        }

        writer.Write(path);
        _reader = new DatabaseReader(path, FileAccessMode.MemoryMapped);
        _databases = new IpDatabases();
        _databases.AddMaxMind(path);

        _accounts = new AccountDirectory(Enumerable.Range(0, 1000).Select(i => new Account
        {
            Id = $"account-{i}.example",
            Name = $"Account {i}",
            IpRanges = [$"100.{i / 256}.{i % 256}.0/24"],
        }));

        var known = KnownNetworks.Load(Path.Combine(AppContext.BaseDirectory, "identification", "networks.txt"));
        var lists = Path.Combine(AppContext.BaseDirectory, "lists");
        var suffixes = PublicSuffixList.Load(Path.Combine(lists, "public-suffix.dat"));
        var mail = MailDomains.Load(lists);
        _cached = new CompanyIdentifier(_databases, null, known, suffixes, mail);
        _uncached = new CompanyIdentifier(_databases, null, known, suffixes, mail, new IdentifierOptions { CacheSize = 16 });

        var random = new Random(42);
        _addresses = Enumerable.Range(0, Addresses)
            .Select(_ => IPAddress.Parse($"11.{random.Next(0, 235)}.{random.Next(0, 256)}.{random.Next(1, 255)}"))
            .ToArray();
        foreach (var address in _addresses)
        {
            _cached.IdentifyAsync(address, null, _accounts).AsTask().Wait();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _reader.Dispose();
        _databases.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Addresses)]
    public int RawReaderEnterprise()
    {
        var found = 0;
        foreach (var address in _addresses)
        {
            if (_reader.TryEnterprise(address, out var response) && response!.Traits.Organization is not null)
            {
                found++;
            }
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = Addresses)]
    public int Uncached()
    {
        var found = 0;
        foreach (var address in _addresses)
        {
            if (Run(_uncached.IdentifyAsync(address, null, _accounts)).Company is not null)
            {
                found++;
            }
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = Addresses)]
    public int Cached()
    {
        var found = 0;
        foreach (var address in _addresses)
        {
            if (Run(_cached.IdentifyAsync(address, null, _accounts)).Company is not null)
            {
                found++;
            }
        }

        return found;
    }

    private static Identification Run(ValueTask<Identification> pending) =>
        pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
}
