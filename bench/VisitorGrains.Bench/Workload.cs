using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Bench;

/// <summary>
/// Realistic traffic: visitors with Zipf-like popularity; four in ten from imported account ranges, two
/// from business networks a GeoIP2 Enterprise database names, the rest from ISP, mobile and hosting
/// networks (never a company); about one page view in ten is high-intent; one batch in five also carries
/// an SPA engagement event.
/// </summary>
public sealed class Workload
{
    private static readonly string[] HighIntent = ["/pricing", "/contact", "/customers/scania", "/pricing/enterprise"];
    private static readonly string[] Browsing = ["/", "/blog/launch", "/blog/how-to", "/products/fleet", "/products/insight", "/docs/start", "/about", "/careers/engineer"];

    private readonly double[] _cdf;
    private readonly string[] _ips;
    private readonly string _prefix;

    public Workload(int visitors, int companies, string prefix = "v_bench_")
    {
        _prefix = prefix;
        _cdf = new double[visitors];
        var sum = 0d;
        for (var i = 0; i < visitors; i++)
        {
            sum += 1d / (i + 1);
            _cdf[i] = sum;
        }

        for (var i = 0; i < visitors; i++)
        {
            _cdf[i] /= sum;
        }

        _ips = Enumerable.Range(0, visitors).Select(i => AddressOf(i, companies)).ToArray();
    }

    public int Visitors => _cdf.Length;

    public static string CompanyIp(int company, int host) =>
        string.Create(CultureInfo.InvariantCulture, $"45.{company / 256 % 256}.{company % 256}.{1 + (host % 250)}");

    /// <summary>An address of a probe company: its first page view raises an icp-company alert.</summary>
    public static string ProbeIp(int probe) =>
        string.Create(CultureInfo.InvariantCulture, $"46.{probe / 256 % 256}.{probe % 256}.10");

    public static string AddressOf(int visitor, int companies) => (visitor % 10) switch
    {
        < 4 => CompanyIp(visitor % companies, visitor),
        < 6 => string.Create(CultureInfo.InvariantCulture, $"47.{visitor / 65536 % 64}.{visitor / 256 % 256}.{visitor % 256}"), // GeoIP2 business networks
        < 9 => string.Create(CultureInfo.InvariantCulture, $"81.{visitor / 65536 % 256}.{visitor / 256 % 256}.{visitor % 256}"), // residential ISP
        _ => string.Create(CultureInfo.InvariantCulture, $"{(visitor % 20 < 10 ? 82 : 83)}.{visitor / 65536 % 256}.{visitor / 256 % 256}.{visitor % 256}"), // mobile, hosting
    };

    public (string Body, string Ip) Next(Random random, long sequence)
    {
        var visitor = Array.BinarySearch(_cdf, random.NextDouble());
        visitor = visitor < 0 ? Math.Min(~visitor, _cdf.Length - 1) : visitor;
        return (Body(_prefix, visitor, random, sequence), _ips[visitor]);
    }

    /// <summary>One page view (and one in five times an engagement event) of a given visitor.</summary>
    public static string Body(string prefix, int visitor, Random random, long sequence)
    {
        var path = random.Next(10) == 0 ? HighIntent[random.Next(HighIntent.Length)] : Browsing[random.Next(Browsing.Length)];
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var engagement = random.Next(5) == 0
            ? string.Create(CultureInfo.InvariantCulture, $$""",{"id":"e_{{sequence:x}}_g","type":"engagement","ts":{{now}},"url":"https://example.com{{path}}","engagedMs":{{random.Next(1000, 60000)}},"scroll":{{random.Next(100)}}}""")
            : "";
        return string.Create(CultureInfo.InvariantCulture,
            $$"""{"site":"demo","visitor":"{{prefix}}{{visitor:D8}}","session":"s_{{visitor:D8}}","events":[{"id":"e_{{sequence:x}}_{{random.Next():x}}","type":"pageview","ts":{{now}},"url":"https://example.com{{path}}","referrer":"https://www.google.com/","title":"Page {{path}}"}{{engagement}}]}""");
    }

    /// <summary>The GeoIP2 Enterprise database the server reads: business, ISP, mobile and hosting networks.</summary>
    public static void WriteDatabase(string folder)
    {
        Directory.CreateDirectory(folder);
        var writer = new MmdbWriter("GeoIP2-Enterprise");
        Dictionary<string, object> Record(string org, string isp, string userType, string city) => new()
        {
            ["city"] = new Dictionary<string, object> { ["names"] = new Dictionary<string, object> { ["en"] = city } },
            ["country"] = new Dictionary<string, object> { ["iso_code"] = "SE" },
            ["traits"] = new Dictionary<string, object>
            {
                ["organization"] = org,
                ["isp"] = isp,
                ["user_type"] = userType,
                ["autonomous_system_number"] = 64_512L,
                ["autonomous_system_organization"] = isp,
            },
        };

        for (var b = 0; b < 64; b++)
        {
            for (var c = 0; c < 256; c += 4)
            {
                writer.Insert($"47.{b}.{c}.0/22", Record($"Network Company {b}-{c}", "Example Transit", "business", "Stockholm"));
            }
        }

        writer.Insert("81.0.0.0/8", Record("Example Broadband", "Example Broadband", "residential", "Malmö"));
        writer.Insert("82.0.0.0/8", Record("Example Mobile", "Example Mobile", "cellular", "Uppsala"));
        writer.Insert("83.0.0.0/8", Record("Example Cloud", "Example Cloud", "hosting", "Luleå"));
        writer.Write(Path.Combine(folder, "bench-enterprise.mmdb"));
    }

    /// <summary>Imports the companies whose ranges the workload's company visitors come from, and the probe companies.</summary>
    public static async Task<int> ImportAccountsAsync(Uri address, string adminKey, int companies, int probes)
    {
        var csv = new StringBuilder("name,domain,status,owner,products,industry,employees,revenue,country,ip_ranges\n");
        for (var c = 0; c < companies; c++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"Company {c},company{c}.example,target,owner{c % 7},,manufacturing,500,,SE,{CompanyIp(c, 0)[..CompanyIp(c, 0).LastIndexOf('.')]}.0/24\n");
        }

        for (var p = 0; p < probes; p++)
        {
            var ip = ProbeIp(p);
            csv.Append(CultureInfo.InvariantCulture, $"Probe {p},probe{p}.example,target,owner{p % 7},,manufacturing,500,,SE,{ip[..ip.LastIndexOf('.')]}.0/24\n");
        }

        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        using var response = await http.PostAsync("/api/sites/demo/accounts", new StringContent(csv.ToString(), Encoding.UTF8, "text/csv"));
        response.EnsureSuccessStatusCode();
        return companies;
    }
}
