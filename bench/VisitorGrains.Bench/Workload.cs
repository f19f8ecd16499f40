using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace VisitorGrains.Bench;

/// <summary>
/// Realistic traffic: visitors with Zipf-like popularity, most from imported company ranges, the rest
/// from other networks; about one page view in ten is high-intent.
/// </summary>
public sealed class Workload
{
    private static readonly string[] HighIntent = ["/pricing", "/contact", "/customers/scania", "/pricing/enterprise"];
    private static readonly string[] Browsing = ["/", "/blog/launch", "/blog/how-to", "/products/fleet", "/products/insight", "/docs/start", "/about", "/careers/engineer"];

    private readonly double[] _cdf;
    private readonly string[] _ips;

    public Workload(int visitors, int companies)
    {
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

        // Six in ten visitors come from a company's range, the rest from elsewhere (home, mobile, unknown).
        _ips = Enumerable.Range(0, visitors).Select(i => i % 10 < 6
            ? CompanyIp(i % companies, i)
            : string.Create(CultureInfo.InvariantCulture, $"81.{i / 65536 % 256}.{i / 256 % 256}.{i % 256}")).ToArray();
    }

    public int Visitors => _cdf.Length;

    public static string CompanyIp(int company, int host) =>
        string.Create(CultureInfo.InvariantCulture, $"45.{company / 256 % 256}.{company % 256}.{1 + (host % 250)}");

    public (string Body, string Ip) Next(Random random, long sequence)
    {
        var visitor = Array.BinarySearch(_cdf, random.NextDouble());
        visitor = visitor < 0 ? Math.Min(~visitor, _cdf.Length - 1) : visitor;
        var path = random.Next(10) == 0 ? HighIntent[random.Next(HighIntent.Length)] : Browsing[random.Next(Browsing.Length)];
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var body = string.Create(CultureInfo.InvariantCulture,
            $$"""{"site":"demo","visitor":"v_bench_{{visitor:D8}}","session":"s_{{visitor:D8}}","events":[{"id":"e_{{sequence:x}}_{{random.Next():x}}","type":"pageview","ts":{{now}},"url":"https://example.com{{path}}","referrer":"https://www.google.com/","title":"Page {{path}}"}]}""");
        return (body, _ips[visitor]);
    }

    /// <summary>Imports the companies whose ranges the workload's company visitors come from.</summary>
    public static async Task<int> ImportAccountsAsync(Uri address, string adminKey, int companies)
    {
        var csv = new StringBuilder("name,domain,status,owner,products,industry,employees,revenue,country,ip_ranges\n");
        for (var c = 0; c < companies; c++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"Company {c},company{c}.example,target,owner{c % 7},,manufacturing,500,,SE,{CompanyIp(c, 0)[..CompanyIp(c, 0).LastIndexOf('.')]}.0/24\n");
        }

        using var http = new HttpClient { BaseAddress = address };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        using var response = await http.PostAsync("/api/sites/demo/accounts", new StringContent(csv.ToString(), Encoding.UTF8, "text/csv"));
        response.EnsureSuccessStatusCode();
        return companies;
    }
}
