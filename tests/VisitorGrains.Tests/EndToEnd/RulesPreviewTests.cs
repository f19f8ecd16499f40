using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.EndToEnd;

public sealed class RulesPreviewTests
{
    [Fact]
    public async Task APreview_ScoresASampleJourneyUnderTheDraft_AndSavesNothing()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path);
        using var marketer = host.Client(await host.CreateKeyAsync("marketer", "demo"));
        using var sales = host.Client(await host.CreateKeyAsync("sales", "demo"));
        var draft = JsonDocument.Parse("""
            {"pages":[{"match":"/pricing*","category":"pricing","points":44,"highIntent":true},
                      {"match":"/careers*","category":"careers","points":-15}],
             "thresholds":{"warm":30,"hot":60,"mql":40}}
            """).RootElement;

        var withDraft = await marketer.PostAsJsonAsync("/api/sites/demo/rules/preview", new { rules = draft, pages = new[] { "/pricing", "/careers" } });
        var withCurrent = await marketer.PostAsJsonAsync("/api/sites/demo/rules/preview", new { pages = new[] { "/pricing" } });
        var broken = await marketer.PostAsJsonAsync("/api/sites/demo/rules/preview", new
        {
            rules = JsonDocument.Parse("""{"pages":[{"match":"/x","category":"astrology","points":1}]}""").RootElement,
            pages = new[] { "pricing" },
        });
        var bySales = await sales.PostAsJsonAsync("/api/sites/demo/rules/preview", new { pages = new[] { "/pricing" } });
        var versions = await marketer.GetFromJsonAsync<JsonElement>("/api/sites/demo/rules/versions");

        var result = await withDraft.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(29, result.GetProperty("score").GetInt32());
        Assert.Equal([44, 29], result.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("score").GetInt32()));
        Assert.Equal("cold", result.GetProperty("temperature").GetString());
        Assert.Equal(20, (await withCurrent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("score").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        var errors = (await broken.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("rules.pages[0].category", out _) && errors.TryGetProperty("pages[0]", out _));
        Assert.Equal(HttpStatusCode.Forbidden, bySales.StatusCode);
        Assert.Equal(1, versions.GetArrayLength());
    }
}
