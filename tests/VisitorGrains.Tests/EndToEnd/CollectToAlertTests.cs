using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.EndToEnd;

/// <summary>The foundation's promise, end to end on real Kestrel, SignalR and SQLite.</summary>
public sealed class CollectToAlertTests
{
    private const string VolvoIp = "198.51.100.7";

    private const string Rules = """
        {
          "pages": [
            {"match": "/pricing*", "category": "pricing", "points": 25, "highIntent": true},
            {"match": "/contact*", "category": "contact", "points": 25, "highIntent": true},
            {"match": "/customers/*", "category": "case-study", "points": 15, "highIntent": true}
          ],
          "decay": {"halfLifeDays": 14},
          "thresholds": {"warm": 30, "hot": 60, "mql": 40},
          "alerts": {"hotCompany": true, "highIntentPage": false, "icpCompany": false, "lostDealReturns": false,
                     "customerNewProduct": false, "cooldownHours": 24}
        }
        """;

    private static async Task PrepareDemoAsync(ApiHost host)
    {
        var rules = await host.Admin.PutAsync("/api/sites/demo/rules", new StringContent(Rules, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, rules.StatusCode);
        var accounts = await host.Admin.PostAsync("/api/sites/demo/accounts", new StringContent(
            "name,domain,status,owner,products,industry,employees,revenue,country,ip_ranges\n" +
            "Volvo Cars,volvocars.com,target,erik,,automotive,40000,,SE,198.51.100.0/24\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.OK, accounts.StatusCode);
    }

    [Fact]
    public async Task ThreePageViewsFromAKnownCompany_RaiseExactlyOneAlert_ThatOutlivesARestart()
    {
        using var data = new TempDirectory();
        string alertId;
        await using (var host = await ApiHost.StartAsync(data.Path))
        {
            await PrepareDemoAsync(host);
            var salesKey = await host.CreateKeyAsync("sales", "demo");
            await using var hub = await host.ConnectHubAsync(salesKey);
            var inbox = new AlertInbox(hub);
            await hub.InvokeAsync("Subscribe", "demo", 0L);

            foreach (var page in new[] { "/pricing", "/customers/scania", "/contact" })
            {
                var response = await host.CollectAsync(Payloads.PageViews("demo", "v_3f9a0c2e7b1d", page), VolvoIp);
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }

            var alert = await inbox.NextAsync();
            Assert.Equal("hot-company", alert.GetProperty("rule").GetString());
            Assert.Equal(1, alert.GetProperty("seq").GetInt64());
            Assert.Equal("demo", alert.GetProperty("site").GetString());
            Assert.Equal("volvocars.com", alert.GetProperty("company").GetProperty("id").GetString());
            Assert.Equal("Volvo Cars", alert.GetProperty("company").GetProperty("name").GetString());
            Assert.Equal("target", alert.GetProperty("company").GetProperty("status").GetString());
            Assert.Equal("v_3f9a0c2e7b1d", alert.GetProperty("visitor").GetString());
            Assert.Equal("hot", alert.GetProperty("temperature").GetString());
            Assert.Equal(65, alert.GetProperty("score").GetInt32());
            Assert.Equal("erik", alert.GetProperty("assignee").GetString());
            Assert.Equal(
                ["page:case-study", "page:contact", "page:pricing"],
                alert.GetProperty("reasons").EnumerateArray().Select(r => r.GetProperty("signal").GetString()).Order(StringComparer.Ordinal));
            Assert.Equal(["/contact", "/customers/scania", "/pricing"], alert.GetProperty("pages").EnumerateArray().Select(p => p.GetString()));
            alertId = alert.GetProperty("id").GetString()!;

            // Still hot, within the cooldown: no second alert.
            Assert.Equal(HttpStatusCode.Accepted, (await host.CollectAsync(Payloads.PageViews("demo", "v_3f9a0c2e7b1d", "/pricing/enterprise"), VolvoIp)).StatusCode);
            Assert.Empty(await inbox.RestAsync(TimeSpan.FromSeconds(1)));
        }

        await using (var host = await ApiHost.StartAsync(data.Path))
        {
            var company = await host.Admin.GetFromJsonAsync<JsonElement>("/api/sites/demo/companies/volvocars.com");
            Assert.Equal(90, company.GetProperty("score").GetInt32());
            Assert.Equal(4, company.GetProperty("visitors")[0].GetProperty("pageViews").GetInt32());

            await using var hub = await host.ConnectHubAsync(ApiHost.AdminKey);
            var inbox = new AlertInbox(hub);
            await hub.InvokeAsync("Subscribe", "demo", 0L);
            var replayed = await inbox.NextAsync();
            Assert.Equal(alertId, replayed.GetProperty("id").GetString());
            Assert.Equal(1, replayed.GetProperty("seq").GetInt64());
        }
    }

    [Fact]
    public async Task MalformedBatch_Gets400WithEveryProblem_AndChangesNothing()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path);
        Assert.Equal(HttpStatusCode.Accepted, (await host.CollectAsync(Payloads.PageViews("demo", "v_kept_000001", "/pricing"))).StatusCode);

        var body = Payloads.Events("demo", "v_kept_000001",
            new { id = "e_good", type = "pageview", url = "https://example.com/contact" },
            new { id = "e_bad", type = "pageview", url = "javascript:alert(1)" });
        var response = await host.CollectAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("events[1].url", out _));
        var visitor = await host.Admin.GetFromJsonAsync<JsonElement>("/api/sites/demo/visitors/v_kept_000001");
        Assert.Equal(1, visitor.GetProperty("pageViews").GetInt32());
        Assert.Equal(["/pricing"], visitor.GetProperty("journey").EnumerateArray().Select(j => j.GetProperty("path").GetString()));
    }

    [Fact]
    public async Task TheDoorsOfCollect_AnswerClientMistakesWith4xx()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path);

        Assert.Equal(HttpStatusCode.Forbidden, (await host.CollectAsync(Payloads.PageViews("nosuchsite", "v_123456789", "/"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await host.CollectAsync(Payloads.PageViews("demo", "v_123456789", "/"), origin: "https://evil.example")).StatusCode);
        var allowed = await host.CollectAsync(Payloads.PageViews("demo", "v_123456789", "/"), origin: "http://localhost:5173");
        Assert.Equal(HttpStatusCode.Accepted, allowed.StatusCode);
        Assert.Equal("http://localhost:5173", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(allowed.Headers.Contains("Set-Cookie"), "no cookie is created by the server");
        using var withCookie = new HttpRequestMessage(HttpMethod.Post, "/collect") { Content = new StringContent(Payloads.PageViews("demo", "v_123456789", "/x"), Encoding.UTF8, "text/plain") };
        withCookie.Headers.Add("Cookie", "vg_vid=v_123456789");
        using var client = host.Client();
        var renewed = await client.SendAsync(withCookie);
        Assert.StartsWith("vg_vid=v_123456789;", renewed.Headers.GetValues("Set-Cookie").Single(), StringComparison.Ordinal);

        var huge = Payloads.Events("demo", "v_123456789", new { id = "e_1", type = "pageview", url = "https://example.com/", title = new string('x', 70_000) });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await host.CollectAsync(huge)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.CollectAsync("{\"site\":")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.CollectAsync("")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Admin.GetAsync("/api/sites/demo/visitors/v_123456780")).StatusCode);
        using var anonymous = host.Client();
        Assert.Equal("ok", await anonymous.GetStringAsync("/healthz"));
        Assert.Equal("ready", await anonymous.GetStringAsync("/readyz"));
    }

    [Fact]
    public async Task ApiAndHub_RequireAKey_ForTheRightSite()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path);
        var otherSite = await host.Admin.PutAsJsonAsync("/api/sites/other", new { name = "Other", origins = new[] { "https://other.example" } });
        Assert.Equal(HttpStatusCode.Created, otherSite.StatusCode);
        var salesOfOther = await host.CreateKeyAsync("sales", "other");

        using var anonymous = host.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/sites/demo/alerts")).StatusCode);
        using var wrongKey = host.Client("vg_not-a-real-key");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrongKey.GetAsync("/api/sites/demo/alerts")).StatusCode);
        using var sales = host.Client(salesOfOther);
        Assert.Equal(HttpStatusCode.Forbidden, (await sales.GetAsync("/api/sites/demo/alerts")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await sales.GetAsync("/api/sites/other/alerts")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await sales.PutAsync("/api/sites/other/rules", new StringContent(Rules))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await sales.PostAsJsonAsync("/api/keys", new { role = "admin", sites = new[] { "*" } })).StatusCode);

        await Assert.ThrowsAnyAsync<Exception>(() => host.ConnectHubAsync("vg_not-a-real-key"));
        await using var hub = await host.ConnectHubAsync(salesOfOther);
        await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("Subscribe", "demo", 0L));
        await hub.InvokeAsync("Subscribe", "other", 0L);
    }

    [Fact]
    public async Task InvalidRules_Get400WithPaths_AndTheOldVersionStays()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path);

        var response = await host.Admin.PutAsync("/api/sites/demo/rules", new StringContent(
            """{"pages":[{"match":"re:(","category":"pricing","points":5}],"thresholds":{"warm":80,"hot":60,"mql":40}}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("pages[0].match", out _));
        Assert.True(errors.TryGetProperty("thresholds", out _));
        var versions = await host.Admin.GetFromJsonAsync<JsonElement>("/api/sites/demo/rules/versions");
        Assert.Equal(1, versions.GetArrayLength());
    }

    [Fact]
    public async Task AFloodFromOneAddress_Gets429WithRetryAfter_WhileOthersGetThrough()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path, new Dictionary<string, string?>
        {
            ["RateLimits:PerIpPerSecond"] = "1",
            ["RateLimits:PerIpBurst"] = "20",
            // Refusals at once: how many of the 40 are refused is then what the bucket says.
            ["RateLimits:RefusalDelayMs"] = "0",
        });

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 40; i++)
        {
            answers.Add(await host.CollectAsync(Payloads.PageViews("demo", "v_flooding_1", "/"), "192.0.2.66"));
        }

        var limited = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(limited.Count, 10, 20);
        Assert.All(limited, a => Assert.True(a.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1)));
        Assert.Equal(HttpStatusCode.Accepted, (await host.CollectAsync(Payloads.PageViews("demo", "v_someone_1", "/"), "192.0.2.67")).StatusCode);
        var visitor = await host.Admin.GetFromJsonAsync<JsonElement>("/api/sites/demo/visitors/v_flooding_1");
        Assert.Equal(answers.Count(a => a.StatusCode == HttpStatusCode.Accepted), visitor.GetProperty("pageViews").GetInt32());
    }
}
