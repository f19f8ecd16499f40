using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.EndToEnd;

/// <summary>
/// Identification through the real API: MaxMind-format databases written by the test and read by the real
/// GeoIP2 reader, page views posted over HTTP from addresses given in X-Forwarded-For, the answers read
/// back from the visitor API, and the stored data searched for the raw addresses afterwards.
/// </summary>
public sealed class IdentificationEndToEndTests
{
    private const string BusinessIp = "198.51.100.20";
    private const string ResidentialIp = "203.0.113.5";
    private const string HostingIp = "203.0.113.200";
    private const string BusinessIpV6 = "2001:db8:100::5";

    private static void WriteDatabases(string folder)
    {
        Directory.CreateDirectory(folder);
        static Dictionary<string, object> Record(string org, string userType, string country, string city, string? domain = null)
        {
            var traits = new Dictionary<string, object>
            {
                ["organization"] = org,
                ["isp"] = org,
                ["user_type"] = userType,
                ["autonomous_system_number"] = 64496L,
                ["autonomous_system_organization"] = org,
            };
            if (domain is not null)
            {
                traits["domain"] = domain;
            }

            return new Dictionary<string, object>
            {
                ["city"] = new Dictionary<string, object> { ["geoname_id"] = 2711537L, ["names"] = new Dictionary<string, object> { ["en"] = city } },
                ["country"] = new Dictionary<string, object> { ["iso_code"] = country, ["names"] = new Dictionary<string, object> { ["en"] = country } },
                ["subdivisions"] = new object[] { new Dictionary<string, object> { ["iso_code"] = "O", ["names"] = new Dictionary<string, object> { ["en"] = "Västra Götaland" } } },
                ["traits"] = traits,
            };
        }

        new MmdbWriter("GeoIP2-Enterprise")
            .Insert("198.51.100.0/24", Record("Example Widgets AB", "business", "SE", "Gothenburg"))
            .Insert("203.0.113.0/25", Record("Example Broadband", "residential", "SE", "Malmö"))
            .Insert("203.0.113.128/25", Record("Example Hosting", "hosting", "DE", "Falkenstein"))
            .Insert("2001:db8:100::/48", Record("Example Labs GmbH", "business", "DE", "Berlin", "example-labs.de"))
            .Write(Path.Combine(folder, "fixture-enterprise.mmdb"));
    }

    private static async Task<JsonElement> VisitorAsync(ApiHost host, string visitor) =>
        await Eventually.GetAsync(() => host.Admin.GetFromJsonAsync<JsonElement>($"/api/sites/demo/visitors/{visitor}"),
            v => v.GetProperty("pageViews").GetInt32() > 0 || v.GetProperty("events").GetInt64() > 0);

    [Fact]
    public async Task Addresses_AreIdentified_ThroughTheChain_AndNeverStored()
    {
        using var data = new TempDirectory();
        var databases = Path.Combine(data.Path, "ip");
        WriteDatabases(databases);

        await using (var host = await ApiHost.StartAsync(data.Path, new Dictionary<string, string?> { ["Identification:Databases:0"] = databases }))
        {
            Assert.Equal(HttpStatusCode.Accepted, (await host.CollectAsync(Payloads.PageViews("demo", "v_business_0001", "/pricing"), BusinessIp)).StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, (await host.CollectAsync(Payloads.PageViews("demo", "v_home_000001", "/pricing"), ResidentialIp)).StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, (await host.CollectAsync(Payloads.PageViews("demo", "v_cloud_00001", "/pricing"), HostingIp)).StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, (await host.CollectAsync(Payloads.PageViews("demo", "v_labs_000001", "/pricing"), BusinessIpV6)).StatusCode);

            var business = await VisitorAsync(host, "v_business_0001");
            Assert.Equal("example-widgets-ab", business.GetProperty("company").GetProperty("id").GetString());
            Assert.Equal("maxmind", business.GetProperty("company").GetProperty("source").GetString());
            Assert.Equal("Gothenburg", business.GetProperty("company").GetProperty("city").GetString());
            Assert.Equal("SE", business.GetProperty("location").GetProperty("country").GetString());
            Assert.Equal("198.51.100.0/24", business.GetProperty("network").GetString());

            var home = await VisitorAsync(host, "v_home_000001");
            Assert.Equal(JsonValueKind.Null, home.GetProperty("company").ValueKind);
            Assert.Equal("residential", home.GetProperty("unidentified").GetString());
            Assert.Equal("user type: residential", home.GetProperty("identifiedBecause").GetString());
            Assert.Equal("Malmö", home.GetProperty("location").GetProperty("city").GetString());

            var cloud = await VisitorAsync(host, "v_cloud_00001");
            Assert.Equal("hosting", cloud.GetProperty("unidentified").GetString());

            var labs = await VisitorAsync(host, "v_labs_000001");
            Assert.Equal("example-labs.de", labs.GetProperty("company").GetProperty("id").GetString());
            Assert.Equal("2001:db8:100::/48", labs.GetProperty("network").GetString());

            // Identified later by email: the visitor becomes the company's visitor, free-mail identifies nobody.
            var identify = Payloads.Events("demo", "v_home_000001",
                new { id = "e_identify_1", type = "identify", ts = Payloads.Now, email = "anna.berg@scania.com" });
            Assert.Equal(HttpStatusCode.Accepted, (await host.CollectAsync(identify, ResidentialIp)).StatusCode);
            var gmail = Payloads.Events("demo", "v_cloud_00001",
                new { id = "e_identify_2", type = "identify", ts = Payloads.Now, email = "someone@gmail.com" });
            Assert.Equal(HttpStatusCode.Accepted, (await host.CollectAsync(gmail, HostingIp)).StatusCode);

            var identified = await Eventually.GetAsync(() => host.Admin.GetFromJsonAsync<JsonElement>("/api/sites/demo/visitors/v_home_000001"),
                v => v.GetProperty("company").ValueKind == JsonValueKind.Object);
            Assert.Equal("scania.com", identified.GetProperty("company").GetProperty("id").GetString());
            Assert.Equal("email", identified.GetProperty("company").GetProperty("source").GetString());
            var company = await Eventually.GetAsync(() => host.Admin.GetAsync("/api/sites/demo/companies/scania.com"), r => r.IsSuccessStatusCode);
            Assert.Contains("v_home_000001", await company.Content.ReadAsStringAsync());

            var stillNobody = await Eventually.GetAsync(() => host.Admin.GetFromJsonAsync<JsonElement>("/api/sites/demo/visitors/v_cloud_00001"),
                v => v.GetProperty("events").GetInt64() == 2);
            Assert.Equal("hosting", stillNobody.GetProperty("unidentified").GetString());

            // The next page view from the residential address keeps the email's company (a weaker answer never replaces it).
            Assert.Equal(HttpStatusCode.Accepted, (await host.CollectAsync(Payloads.PageViews("demo", "v_home_000001", "/contact"), ResidentialIp)).StatusCode);
            var kept = await Eventually.GetAsync(() => host.Admin.GetFromJsonAsync<JsonElement>("/api/sites/demo/visitors/v_home_000001"),
                v => v.GetProperty("pageViews").GetInt32() == 2);
            Assert.Equal("scania.com", kept.GetProperty("company").GetProperty("id").GetString());
        }

        // Nothing written anywhere in the data folder holds a raw address; the truncated network is there.
        var stored = Directory.GetFiles(data.Path, "*", SearchOption.AllDirectories).Where(f => !f.StartsWith(databases, StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(stored);
        var truncatedSeen = false;
        foreach (var file in stored)
        {
            var bytes = await File.ReadAllBytesAsync(file);
            foreach (var raw in new[] { BusinessIp, ResidentialIp, HostingIp, BusinessIpV6 })
            {
                Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(raw)), $"{raw} found in {file}");
                Assert.False(Contains(bytes, Encoding.Unicode.GetBytes(raw)), $"{raw} (UTF-16) found in {file}");
            }

            truncatedSeen |= Contains(bytes, Encoding.UTF8.GetBytes("198.51.100.0/24"));
        }

        Assert.True(truncatedSeen, "the search looked where identification results are stored");
    }

    [Fact]
    public async Task XForwardedFor_CountsOnlyFromATrustedProxy()
    {
        using var data = new TempDirectory();
        var databases = Path.Combine(data.Path, "ip");
        WriteDatabases(databases);

        // Loopback is not a trusted proxy here: the header is ignored and the connection's address (private) is used.
        await using var host = await ApiHost.StartAsync(data.Path, new Dictionary<string, string?>
        {
            ["Identification:Databases:0"] = databases,
            ["Collect:TrustedProxies:0"] = "192.0.2.250/32",
            ["Collect:TrustedProxies:1"] = "192.0.2.251/32",
        });

        Assert.Equal(HttpStatusCode.Accepted, (await host.CollectAsync(Payloads.PageViews("demo", "v_spoofed_0001", "/pricing"), BusinessIp)).StatusCode);

        var visitor = await VisitorAsync(host, "v_spoofed_0001");
        Assert.Equal(JsonValueKind.Null, visitor.GetProperty("company").ValueKind);
        Assert.Equal("private", visitor.GetProperty("unidentified").GetString());
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
