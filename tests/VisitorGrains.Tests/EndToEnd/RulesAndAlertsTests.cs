using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.EndToEnd;

/// <summary>A marketer's rules, salespeople's alerts and moves, end to end.</summary>
public sealed class RulesAndAlertsTests
{
    private const string Rules = """
        {
          "pages": [
            {"match": "/pricing*", "category": "pricing", "points": 20, "highIntent": true},
            {"match": "re:^/products/(?<product>[a-z0-9-]+)", "category": "product", "points": 5}
          ],
          "thresholds": {"warm": 15, "hot": 60, "mql": 40},
          "routing": {"territories": {"PL": "piotr"}},
          "alerts": {"hotCompany": true, "highIntentPage": true, "icpCompany": false, "lostDealReturns": true,
                     "customerNewProduct": true, "cooldownHours": 24}
        }
        """;

    private const string Accounts = """
        name,domain,status,owner,products,industry,employees,revenue,country,ip_ranges
        Lost Corp,lost.example,lost-deal,lena,,,,,SE,192.0.2.0/26
        Happy Customer,happy.example,customer,,fleet,,,,PL,192.0.2.64/26
        Rival,rival.example,competitor,,,,,,SE,192.0.2.128/26
        """;

    [Fact]
    public async Task MarketersRules_DriveTheAlertsSalespeopleReceive_WithReasonsAndAssignee()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path);
        using var marketer = host.Client(await host.CreateKeyAsync("marketer", "demo"));
        Assert.Equal(HttpStatusCode.OK, (await marketer.PutAsync("/api/sites/demo/rules", new StringContent(Rules, Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await marketer.PostAsync("/api/sites/demo/accounts", new StringContent(Accounts, Encoding.UTF8, "text/csv"))).StatusCode);
        var salesKey = await host.CreateKeyAsync("sales", "demo");
        await using var hub = await host.ConnectHubAsync(salesKey);
        var inbox = new AlertInbox(hub);
        await hub.InvokeAsync("Subscribe", "demo", 0L);

        await host.CollectAsync(Payloads.PageViews("demo", "v_rival_0001", "/pricing", "/pricing/enterprise"), "192.0.2.130");
        await host.CollectAsync(Payloads.PageViews("demo", "v_lost_00001", "/"), "192.0.2.10");
        var lost = await inbox.NextAsync();
        await host.CollectAsync(Payloads.PageViews("demo", "v_happy_0001", "/products/fleet"), "192.0.2.70");
        await host.CollectAsync(Payloads.PageViews("demo", "v_happy_0001", "/products/insight"), "192.0.2.70");
        var newProduct = await inbox.NextAsync();

        Assert.Equal(("lost-deal-returns", "lost.example", "lena"),
            (lost.GetProperty("rule").GetString(), lost.GetProperty("company").GetProperty("id").GetString(), lost.GetProperty("assignee").GetString()));
        Assert.Equal(("customer-new-product", "happy.example", "piotr"),
            (newProduct.GetProperty("rule").GetString(), newProduct.GetProperty("company").GetProperty("id").GetString(), newProduct.GetProperty("assignee").GetString()));
        Assert.Contains(newProduct.GetProperty("reasons").EnumerateArray(), r => r.GetProperty("signal").GetString() == "product:insight");
        Assert.Empty(await inbox.RestAsync(TimeSpan.FromSeconds(1)));

        var versions = await marketer.GetFromJsonAsync<JsonElement>("/api/sites/demo/rules/versions");
        Assert.Equal(2, versions.GetArrayLength());
    }

    [Fact]
    public async Task SalesMovesALead_AndImpossibleMovesAreRefused()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path);
        await host.Admin.PostAsync("/api/sites/demo/accounts", new StringContent(
            "name,domain,ip_ranges\nAcme,acme.example,198.51.100.0/24\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.Accepted, (await host.CollectAsync(Payloads.PageViews("demo", "v_lead_00001", "/pricing", "/contact"), "198.51.100.1")).StatusCode);
        using var sales = host.Client(await host.CreateKeyAsync("sales", "demo"));
        using var marketer = host.Client(await host.CreateKeyAsync("marketer", "demo"));

        var accepted = await sales.PostAsJsonAsync("/api/sites/demo/visitors/v_lead_00001/stage", new { action = "accept", reason = "called back" });
        var again = await sales.PostAsJsonAsync("/api/sites/demo/visitors/v_lead_00001/stage", new { action = "accept" });
        var noReason = await sales.PostAsJsonAsync("/api/sites/demo/visitors/v_lead_00001/stage", new { action = "reject" });
        var unknown = await sales.PostAsJsonAsync("/api/sites/demo/visitors/v_nobody_0001/stage", new { action = "accept" });
        var byMarketer = await marketer.PostAsJsonAsync("/api/sites/demo/visitors/v_lead_00001/stage", new { action = "opportunity" });

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var visitor = await accepted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("SQL", visitor.GetProperty("stage").GetString());
        Assert.Equal("accept by sales-user: called back", visitor.GetProperty("stageHistory").EnumerateArray().Last().GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, byMarketer.StatusCode);
    }
}
