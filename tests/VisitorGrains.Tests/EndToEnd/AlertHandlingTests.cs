using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.EndToEnd;

public sealed class AlertHandlingTests
{
    private static async Task<long> LostDealReturnsAsync(ApiHost host)
    {
        var accounts = await host.Admin.PostAsync("/api/sites/demo/accounts", new StringContent(
            "name,domain,status,owner,products,industry,employees,revenue,country,ip_ranges\n" +
            "Acme,acme.example,lost-deal,erik,,,,,SE,198.51.100.0/24\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.OK, accounts.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await host.CollectAsync(Payloads.PageViews("demo", "v_acme_buyer_1", "/pricing"), "198.51.100.7")).StatusCode);
        var alerts = await Eventually.GetAsync(() => host.Admin.GetFromJsonAsync<JsonElement>("/api/sites/demo/alerts?after=0"), a => a.GetArrayLength() > 0);
        return alerts[0].GetProperty("seq").GetInt64();
    }

    private static async Task<string> SalesKeyAsync(ApiHost host, string user)
    {
        var response = await host.Admin.PostAsJsonAsync("/api/keys", new { role = "sales", sites = new[] { "demo" }, user });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    [Fact]
    public async Task AClaim_ReachesTheTeamAtOnce_KeepsOthersOut_AndOutlivesARestart()
    {
        using var data = new TempDirectory();
        long seq;
        await using (var host = await ApiHost.StartAsync(data.Path))
        {
            seq = await LostDealReturnsAsync(host);
            using var erik = host.Client(await SalesKeyAsync(host, "erik"));
            var annaKey = await SalesKeyAsync(host, "anna");
            using var anna = host.Client(annaKey);
            await using var annasFeed = await host.ConnectHubAsync(annaKey);
            var updates = Channel.CreateUnbounded<JsonElement>();
            annasFeed.On<JsonElement>("alertUpdated", u => updates.Writer.TryWrite(u));
            await annasFeed.InvokeAsync("Subscribe", "demo", 0L);

            var claimed = await erik.PostAsJsonAsync($"/api/sites/demo/alerts/{seq}/handling", new { action = "claim" });
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var update = await updates.Reader.ReadAsync(wait.Token);
            var stolen = await anna.PostAsJsonAsync($"/api/sites/demo/alerts/{seq}/handling", new { action = "accept" });
            var judged = await anna.PostAsJsonAsync($"/api/sites/demo/alerts/{seq}/handling", new { action = "junk" });

            Assert.Equal(HttpStatusCode.OK, claimed.StatusCode);
            Assert.Equal((seq, "erik"), (update.GetProperty("seq").GetInt64(), update.GetProperty("claimedBy").GetString()));
            Assert.Equal(HttpStatusCode.Conflict, stolen.StatusCode);
            Assert.Equal(HttpStatusCode.OK, judged.StatusCode);
        }

        await using (var host = await ApiHost.StartAsync(data.Path))
        {
            var handling = await host.Admin.GetFromJsonAsync<JsonElement>("/api/sites/demo/alerts/handling?after=0");
            var only = Assert.Single(handling.EnumerateArray());
            Assert.Equal(seq, only.GetProperty("seq").GetInt64());
            Assert.Equal("erik", only.GetProperty("claimedBy").GetString());
            Assert.Equal("junk", only.GetProperty("quality").GetString());
        }
    }

    [Fact]
    public async Task AcceptingAnAlert_MakesItsVisitorAnSql_AndBadRequestsAreRefused()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path);
        var seq = await LostDealReturnsAsync(host);
        using var sales = host.Client(await host.CreateKeyAsync("sales", "demo"));
        using var marketer = host.Client(await host.CreateKeyAsync("marketer", "demo"));

        var noReason = await sales.PostAsJsonAsync($"/api/sites/demo/alerts/{seq}/handling", new { action = "reject" });
        var unknown = await sales.PostAsJsonAsync($"/api/sites/demo/alerts/{seq + 100}/handling", new { action = "claim" });
        var byMarketer = await marketer.PostAsJsonAsync($"/api/sites/demo/alerts/{seq}/handling", new { action = "claim" });
        var nonsense = await sales.PostAsJsonAsync($"/api/sites/demo/alerts/{seq}/handling", new { action = "steal", minutes = 0 });
        var accepted = await sales.PostAsJsonAsync($"/api/sites/demo/alerts/{seq}/handling", new { action = "accept" });

        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, byMarketer.StatusCode);
        var errors = (await nonsense.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("action", out _) && errors.TryGetProperty("minutes", out _));
        var handling = await accepted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("accepted", "sales-user"), (handling.GetProperty("outcome").GetString(), handling.GetProperty("claimedBy").GetString()));
        var visitor = await host.Admin.GetFromJsonAsync<JsonElement>("/api/sites/demo/visitors/v_acme_buyer_1");
        Assert.Equal("SQL", visitor.GetProperty("stage").GetString());
    }

    [Fact]
    public async Task TheHandoverSla_IsAMarketersSiteSetting_KeptWithTheOthers()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path);
        using var marketer = host.Client(await host.CreateKeyAsync("marketer", "demo"));

        var initial = await marketer.GetFromJsonAsync<JsonElement>("/api/sites/demo");
        var set = await marketer.PutAsJsonAsync("/api/sites/demo", new { slaMinutes = 15 });
        var renamed = await marketer.PutAsJsonAsync("/api/sites/demo", new { name = "Demo shop" });
        var tooLong = await marketer.PutAsJsonAsync("/api/sites/demo", new { slaMinutes = 0 });
        var after = await marketer.GetFromJsonAsync<JsonElement>("/api/sites/demo");

        Assert.Equal(60, initial.GetProperty("slaMinutes").GetInt32());
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal((15, "Demo shop"), (after.GetProperty("slaMinutes").GetInt32(), after.GetProperty("name").GetString()));
        Assert.Equal(2, after.GetProperty("origins").GetArrayLength());
    }
}
