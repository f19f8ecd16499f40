using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.Privacy;

/// <summary>
/// A person's data exported and erased through the real API on a real SQLite file: after an erasure the
/// API knows nothing of them and the bytes of the data folder hold neither their visitor id nor their email.
/// </summary>
public sealed class DataSubjectRequestTests
{
    private const string Site = "demo";
    private const string VolvoIp = "198.51.100.7";
    private const string ScaniaIp = "192.0.2.9";

    private static async Task<ApiHost> StartWithAccountsAsync(TempDirectory data)
    {
        var host = await ApiHost.StartAsync(data.Path);
        var accounts = await host.Admin.PostAsync($"/api/sites/{Site}/accounts", new StringContent(
            "name,domain,status,owner,products,industry,employees,revenue,country,ip_ranges\n" +
            "Volvo Cars,volvocars.com,target,erik,,automotive,40000,,SE,198.51.100.0/24\n" +
            "Scania,scania.com,target,erik,,automotive,50000,,SE,192.0.2.0/24\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.OK, accounts.StatusCode);
        return host;
    }

    private static async Task VisitAsync(ApiHost host, string visitor, string ip, string? email, params string[] paths)
    {
        Assert.Equal(HttpStatusCode.Accepted, (await host.CollectAsync(Payloads.PageViews(Site, visitor, paths), ip)).StatusCode);
        if (email is not null)
        {
            var identify = Payloads.Events(Site, visitor, new { id = $"e_{Guid.NewGuid():N}", type = "identify", ts = Payloads.Now, email });
            Assert.Equal(HttpStatusCode.Accepted, (await host.CollectAsync(identify, ip)).StatusCode);
        }
    }

    private static async Task<string> CompanyAsync(ApiHost host, string company, params string[] visitors) =>
        await Eventually.GetAsync(() => host.Admin.GetStringAsync($"/api/sites/{Site}/companies/{company}"),
            body => visitors.All(v => body.Contains(v, StringComparison.Ordinal)));

    /// <summary>Every file of the data folder, as stored (the -wal file too), searched for the text in UTF-8.</summary>
    private static List<string> FilesHolding(string folder, string text)
    {
        var needle = Encoding.UTF8.GetBytes(text);
        return Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Where(file =>
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            return buffer.GetBuffer().AsSpan(0, (int)buffer.Length).IndexOf(needle) >= 0;
        }).ToList();
    }

    [Fact]
    public async Task AVisitorsExport_HoldsItsEvents_Journey_Company_AndTheAlertsNamingIt()
    {
        using var data = new TempDirectory();
        await using var host = await StartWithAccountsAsync(data);
        await VisitAsync(host, "v_anna_berg_01", VolvoIp, "anna.berg@volvocars.com", "/pricing", "/customers/scania");
        await CompanyAsync(host, "volvocars.com", "v_anna_berg_01");

        var export = await Eventually.GetAsync(() => host.Admin.GetFromJsonAsync<JsonElement>($"/api/sites/{Site}/visitors/v_anna_berg_01/export"),
            e => e.GetProperty("events").GetArrayLength() == 3);

        Assert.Equal("v_anna_berg_01", export.GetProperty("visitor").GetString());
        var events = export.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(["pageview", "pageview", "identify"], events.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal("https://example.com/pricing", events[0].GetProperty("url").GetString());
        Assert.Equal("anna.berg@volvocars.com", events[2].GetProperty("email").GetString());
        Assert.Equal(["/pricing", "/customers/scania"], export.GetProperty("profile").GetProperty("journey").EnumerateArray()
            .Where(j => j.GetProperty("type").GetString() == "pageview").Select(j => j.GetProperty("path").GetString()));
        Assert.Equal(["anna.berg@volvocars.com"], export.GetProperty("emails").EnumerateArray().Select(e => e.GetString()));
        var company = Assert.Single(export.GetProperty("companies").EnumerateArray());
        Assert.Equal("volvocars.com", company.GetProperty("id").GetString());
        Assert.Equal("v_anna_berg_01", company.GetProperty("visitor").GetProperty("visitor").GetString());
        Assert.Equal(2, company.GetProperty("visitor").GetProperty("pageViews").GetInt32());
        // A target account on the pricing page is alerted; the export has the alerts that name the visitor.
        var alerts = export.GetProperty("alerts").EnumerateArray().ToList();
        Assert.NotEmpty(alerts);
        Assert.All(alerts, a => Assert.Equal("v_anna_berg_01", a.GetProperty("visitor").GetString()));
    }

    [Fact]
    public async Task AnErasedVisitor_IsUnknownToTheApi_LeavesItsCompany_AndIsNowhereInTheDataFolder()
    {
        using var data = new TempDirectory();
        await using var host = await StartWithAccountsAsync(data);
        await VisitAsync(host, "v_anna_berg_01", VolvoIp, "anna.berg@volvocars.com", "/pricing", "/contact");
        await VisitAsync(host, "v_bo_stays_001", VolvoIp, null, "/pricing");
        await CompanyAsync(host, "volvocars.com", "v_anna_berg_01", "v_bo_stays_001");

        // Sales handled an alert about her, with a reason that names her.
        using var sales = host.Client(await host.CreateKeyAsync("sales", Site));
        var alerts = await Eventually.GetAsync(() => sales.GetFromJsonAsync<JsonElement>($"/api/sites/{Site}/alerts"),
            a => a.EnumerateArray().Any(x => x.GetProperty("visitor").GetString() == "v_anna_berg_01"));
        var about = alerts.EnumerateArray().First(x => x.GetProperty("visitor").GetString() == "v_anna_berg_01").GetProperty("seq").GetInt64();
        var rejected = await sales.PostAsJsonAsync($"/api/sites/{Site}/alerts/{about}/handling",
            new { action = "reject", reason = "anna.berg@volvocars.com has no budget until spring" });
        Assert.Equal(HttpStatusCode.OK, rejected.StatusCode);
        Assert.NotEmpty(FilesHolding(data.Path, "v_anna_berg_01"));
        Assert.NotEmpty(FilesHolding(data.Path, "anna.berg@volvocars.com"));

        var erased = await host.Admin.DeleteAsync($"/api/sites/{Site}/visitors/v_anna_berg_01");

        Assert.Equal(HttpStatusCode.NoContent, erased.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Admin.GetAsync($"/api/sites/{Site}/visitors/v_anna_berg_01")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Admin.GetAsync($"/api/sites/{Site}/visitors/v_anna_berg_01/export")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Admin.DeleteAsync($"/api/sites/{Site}/visitors/v_anna_berg_01")).StatusCode);
        var company = await host.Admin.GetStringAsync($"/api/sites/{Site}/companies/volvocars.com");
        Assert.DoesNotContain("v_anna_berg_01", company, StringComparison.Ordinal);
        Assert.Contains("v_bo_stays_001", company, StringComparison.Ordinal);
        var feed = await sales.GetStringAsync($"/api/sites/{Site}/alerts");
        Assert.DoesNotContain("v_anna_berg_01", feed, StringComparison.Ordinal);
        Assert.Contains($"\"seq\":{about}", feed, StringComparison.Ordinal); // the company's alert stays, without her
        var handling = await sales.GetStringAsync($"/api/sites/{Site}/alerts/handling");
        Assert.DoesNotContain("anna.berg", handling, StringComparison.Ordinal);
        Assert.Contains("rejected", handling, StringComparison.Ordinal);

        Assert.Empty(FilesHolding(data.Path, "v_anna_berg_01"));
        Assert.Empty(FilesHolding(data.Path, "anna.berg@volvocars.com"));
        Assert.NotEmpty(FilesHolding(data.Path, "v_bo_stays_001")); // the search does see what is stored
    }

    [Fact]
    public async Task AContactsErasureByEmail_TakesEveryVisitorThatIdentifiedWithIt()
    {
        using var data = new TempDirectory();
        await using var host = await StartWithAccountsAsync(data);
        await VisitAsync(host, "v_eva_laptop_01", ScaniaIp, "eva.lind@scania.com", "/pricing");
        await VisitAsync(host, "v_eva_phone_001", ScaniaIp, "Eva.Lind@scania.com", "/contact");
        await VisitAsync(host, "v_olle_other_01", ScaniaIp, "olle@scania.com", "/pricing");
        await CompanyAsync(host, "scania.com", "v_eva_laptop_01", "v_eva_phone_001", "v_olle_other_01");

        var export = await Eventually.GetAsync(() => host.Admin.GetAsync($"/api/sites/{Site}/contacts/eva.lind@scania.com/export"),
            r => r.IsSuccessStatusCode);
        var visitors = (await export.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("visitors").EnumerateArray()
            .Select(v => v.GetProperty("visitor").GetString()).Order().ToList();
        Assert.Equal(["v_eva_laptop_01", "v_eva_phone_001"], visitors);

        var erased = await host.Admin.DeleteAsync($"/api/sites/{Site}/contacts/EVA.LIND@scania.com");

        Assert.Equal(HttpStatusCode.NoContent, erased.StatusCode);
        foreach (var gone in new[] { "v_eva_laptop_01", "v_eva_phone_001" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await host.Admin.GetAsync($"/api/sites/{Site}/visitors/{gone}")).StatusCode);
            Assert.Empty(FilesHolding(data.Path, gone));
        }

        Assert.Equal(HttpStatusCode.NotFound, (await host.Admin.GetAsync($"/api/sites/{Site}/contacts/eva.lind@scania.com/export")).StatusCode);
        Assert.Empty(FilesHolding(data.Path, "eva.lind@scania.com"));
        var company = await host.Admin.GetStringAsync($"/api/sites/{Site}/companies/scania.com");
        Assert.DoesNotContain("v_eva_", company, StringComparison.Ordinal);
        Assert.Contains("v_olle_other_01", company, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await host.Admin.GetAsync($"/api/sites/{Site}/visitors/v_olle_other_01")).StatusCode);
        Assert.NotEmpty(FilesHolding(data.Path, "olle@scania.com"));
    }

    [Fact]
    public async Task OnlyAdminsAnswerRequests_UnknownOnesAre404_AndMalformedOnes400()
    {
        using var data = new TempDirectory();
        await using var host = await StartWithAccountsAsync(data);
        await VisitAsync(host, "v_anna_berg_01", VolvoIp, "anna.berg@volvocars.com", "/pricing");
        await Eventually.GetAsync(() => host.Admin.GetAsync($"/api/sites/{Site}/contacts/anna.berg@volvocars.com/export"), r => r.IsSuccessStatusCode);
        using var marketer = host.Client(await host.CreateKeyAsync("marketer", "*"));
        using var sales = host.Client(await host.CreateKeyAsync("sales", Site));

        foreach (var client in new[] { marketer, sales })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/api/sites/{Site}/visitors/v_anna_berg_01/export")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.DeleteAsync($"/api/sites/{Site}/visitors/v_anna_berg_01")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/api/sites/{Site}/contacts/anna.berg@volvocars.com/export")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.DeleteAsync($"/api/sites/{Site}/contacts/anna.berg@volvocars.com")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await host.Admin.GetAsync($"/api/sites/{Site}/visitors/v_anna_berg_01")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Admin.GetAsync($"/api/sites/{Site}/visitors/v_nobody_at_all/export")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Admin.DeleteAsync($"/api/sites/{Site}/visitors/v_nobody_at_all")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Admin.GetAsync($"/api/sites/{Site}/contacts/nobody@example.com/export")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Admin.DeleteAsync($"/api/sites/{Site}/contacts/nobody@example.com")).StatusCode);
        var badVisitor = await host.Admin.DeleteAsync($"/api/sites/{Site}/visitors/x");
        Assert.Equal(HttpStatusCode.BadRequest, badVisitor.StatusCode);
        Assert.Equal("application/problem+json", badVisitor.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.Admin.GetAsync($"/api/sites/{Site}/contacts/not-an-email/export")).StatusCode);
    }
}
