using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using VisitorGrains.Grains.Hosting;
using VisitorGrains.Grains.Storage;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.Privacy;

/// <summary>
/// A site keeps visitors' data for its retentionDays: on a clock the test moves, a retention pass erases the
/// visitors last seen before that, trims older history and journeys, and leaves younger visitors alone.
/// </summary>
public sealed class RetentionTests
{
    private const string Site = "demo";

    [Fact]
    public async Task ASiteWithThirtyDaysRetention_ForgetsOlderEvents_AndVisitorsLastSeenBeforeThem()
    {
        using var data = new TempDirectory();
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var host = await ApiHost.StartAsync(data.Path, services: s => s.AddSingleton<TimeProvider>(clock));
        await host.Admin.PostAsync($"/api/sites/{Site}/accounts", new StringContent(
            "name,domain,status,owner,ip_ranges\nVolvo Cars,volvocars.com,target,erik,198.51.100.0/24\n", Encoding.UTF8, "text/csv"));

        // Forty days ago: two visitors. Today: one of them comes back, and a new one arrives.
        await VisitAsync(host, "v_gone_quiet_01", "/pricing");
        await VisitAsync(host, "v_came_back_01", "/customers/scania");
        await CompanyAsync(host, "v_gone_quiet_01", "v_came_back_01");
        clock.Advance(TimeSpan.FromDays(40));
        await VisitAsync(host, "v_came_back_01", "/contact");
        await VisitAsync(host, "v_brand_new_01", "/pricing");
        await CompanyAsync(host, "v_gone_quiet_01", "v_came_back_01", "v_brand_new_01");
        Assert.Equal(HttpStatusCode.OK, (await host.Admin.PutAsJsonAsync($"/api/sites/{Site}", new { retentionDays = 30 })).StatusCode);

        var erased = await host.Services.GetRequiredService<Retention>().RunAsync();

        Assert.Equal(1, erased);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Admin.GetAsync($"/api/sites/{Site}/visitors/v_gone_quiet_01")).StatusCode);
        var company = await host.Admin.GetStringAsync($"/api/sites/{Site}/companies/volvocars.com");
        Assert.DoesNotContain("v_gone_quiet_01", company, StringComparison.Ordinal);
        Assert.Contains("v_brand_new_01", company, StringComparison.Ordinal);
        var cameBack = await host.Admin.GetFromJsonAsync<JsonElement>($"/api/sites/{Site}/visitors/v_came_back_01");
        Assert.Equal(["/contact"], cameBack.GetProperty("journey").EnumerateArray().Select(j => j.GetProperty("path").GetString()));
        var export = await host.Admin.GetFromJsonAsync<JsonElement>($"/api/sites/{Site}/visitors/v_came_back_01/export");
        Assert.Equal(["https://example.com/contact"], export.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("url").GetString()));
        var brandNew = await host.Admin.GetFromJsonAsync<JsonElement>($"/api/sites/{Site}/visitors/v_brand_new_01");
        Assert.Equal(["/pricing"], brandNew.GetProperty("journey").EnumerateArray().Select(j => j.GetProperty("path").GetString()));

        // Nothing older than thirty days is left in the history; the alerts of forty days ago are gone from the feed.
        var cutoff = clock.GetUtcNow().AddDays(-30);
        var store = host.Services.GetRequiredService<IJournalStore>();
        Assert.Equal(0, await store.CountHistoryAsync(StreamNames.VisitorPrefix, 0, cutoff.ToUnixTimeMilliseconds()));
        Assert.Equal(2, await store.CountHistoryAsync(StreamNames.VisitorPrefix, cutoff.ToUnixTimeMilliseconds(), long.MaxValue));
        var alerts = await host.Admin.GetFromJsonAsync<JsonElement>($"/api/sites/{Site}/alerts");
        Assert.NotEmpty(alerts.EnumerateArray());
        Assert.All(alerts.EnumerateArray(), a => Assert.True(a.GetProperty("at").GetDateTimeOffset() >= cutoff));

        // A second pass finds nothing more to do.
        Assert.Equal(0, await host.Services.GetRequiredService<Retention>().RunAsync());
        Assert.Equal(2, await store.CountHistoryAsync(StreamNames.VisitorPrefix, 0, long.MaxValue));
    }

    [Fact]
    public async Task RetentionDays_IsBoundedAndValidated_AndOnlyAdminsChangeIt()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path);
        using var marketer = host.Client(await host.CreateKeyAsync("marketer", Site));

        var site = await host.Admin.GetFromJsonAsync<JsonElement>($"/api/sites/{Site}");
        Assert.Equal(90, site.GetProperty("retentionDays").GetInt32()); // Storage:HistoryDays until the site sets its own

        foreach (var days in new[] { 0, 3651, -5 })
        {
            var refused = await host.Admin.PutAsJsonAsync($"/api/sites/{Site}", new { retentionDays = days });
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.True((await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("retentionDays", out _));
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await marketer.PutAsJsonAsync($"/api/sites/{Site}", new { retentionDays = 7 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Admin.PutAsJsonAsync($"/api/sites/{Site}", new { retentionDays = 3650 })).StatusCode);
        // Marketers still change the rest of the settings; the retention stays as the admin set it.
        var renamed = await marketer.PutAsJsonAsync($"/api/sites/{Site}", new { name = "Demo site" });
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal(3650, (await renamed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("retentionDays").GetInt32());
    }

    private static async Task VisitAsync(ApiHost host, string visitor, string path) =>
        Assert.Equal(HttpStatusCode.Accepted, (await host.CollectAsync(Payloads.PageViews(Site, visitor, path), "198.51.100.7")).StatusCode);

    private static async Task CompanyAsync(ApiHost host, params string[] visitors) =>
        await Eventually.GetAsync(() => host.Admin.GetStringAsync($"/api/sites/{Site}/companies/volvocars.com"),
            body => visitors.All(v => body.Contains(v, StringComparison.Ordinal)));
}
