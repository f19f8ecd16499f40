using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.EndToEnd;

public sealed class BacktestTests
{
    [Fact]
    public async Task ADraftWithALowerHotThreshold_WouldHaveAlerted_OnTheRecordedHistory()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path);
        await host.Admin.PostAsync("/api/sites/demo/accounts", new StringContent(
            "name,domain,owner,ip_ranges\nAcme,acme.example,erik,198.51.100.0/24\n", Encoding.UTF8, "text/csv"));
        for (var i = 0; i < 2; i++)
        {
            var response = await host.CollectAsync(Payloads.PageViews("demo", $"v_history_{i:D3}", "/pricing"), $"198.51.100.{i + 1}");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        using var marketer = host.Client(await host.CreateKeyAsync("marketer", "demo"));
        var draft = JsonDocument.Parse("""
            {"pages":[{"match":"/pricing*","category":"pricing","points":20,"highIntent":true}],
             "thresholds":{"warm":10,"hot":40,"mql":30},
             "alerts":{"hotCompany":true,"highIntentPage":false,"icpCompany":false,"lostDealReturns":false,"customerNewProduct":false}}
            """).RootElement;
        var started = await marketer.PostAsJsonAsync("/api/sites/demo/backtest", new { rules = draft, from = DateTimeOffset.UtcNow.AddDays(-1) });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var location = started.Headers.Location!.ToString();

        var status = await Eventually.GetAsync(() => marketer.GetFromJsonAsync<JsonElement>(location),
            s => s.GetProperty("status").GetString() != "running");

        Assert.Equal("done", status.GetProperty("status").GetString());
        Assert.Equal(2, status.GetProperty("total").GetInt64());
        Assert.Equal(2, status.GetProperty("processed").GetInt64());
        var result = status.GetProperty("result");
        Assert.Equal(1, result.GetProperty("draftAlertsByRule").GetProperty("hot-company").GetInt32());
        Assert.False(result.GetProperty("currentAlertsByRule").TryGetProperty("hot-company", out _));
        var acme = result.GetProperty("scores")[0];
        Assert.Equal(("acme.example", 40, 40, "warm", "hot"), (acme.GetProperty("company").GetString(), acme.GetProperty("current").GetInt32(),
            acme.GetProperty("draft").GetInt32(), acme.GetProperty("currentTemperature").GetString(), acme.GetProperty("draftTemperature").GetString()));
    }

    [Fact]
    public async Task InvalidDraftsAndRanges_AreRefused_AndSalesCannotBacktest()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path);
        using var sales = host.Client(await host.CreateKeyAsync("sales", "demo"));

        var bad = await host.Admin.PostAsJsonAsync("/api/sites/demo/backtest", new
        {
            rules = JsonDocument.Parse("""{"pages":[{"match":"re:(","category":"pricing","points":1}]}""").RootElement,
            from = DateTimeOffset.UtcNow, to = DateTimeOffset.UtcNow.AddDays(-1),
        });
        var problem = await bad.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty("rules.pages[0].match", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("from", out _));
        Assert.Equal(HttpStatusCode.Forbidden, (await sales.PostAsJsonAsync("/api/sites/demo/backtest", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Admin.GetAsync("/api/sites/demo/backtest/bt_nothing")).StatusCode);
    }

    [Fact]
    public async Task ADraftWithInvalidUtf8_IsA400_NotA500()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path);
        var body = Encoding.UTF8.GetBytes("""{"rules":{"pages":[{"match":"/x","category":"AB","points":1}]}}""");
        var bad = Array.IndexOf(body, (byte)'A');
        body[bad] = 0xC3; // a lead byte followed by 'B': not UTF-8
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        var response = await host.Admin.PostAsync("/api/sites/demo/backtest", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
