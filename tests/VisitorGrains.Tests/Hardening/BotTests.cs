using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using VisitorGrains.Domain.Collecting;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Storage;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.Hardening;

/// <summary>Crawlers and automated browsers are answered 202 and dropped before any grain hears of them.</summary>
public sealed class BotTests
{
    private static readonly Lazy<BotFilter> Filter = new(() =>
        BotFilter.Load(Path.Combine(AppContext.BaseDirectory, "lists", "crawler-user-agents.txt")));

    private const string Chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

    [Theory]
    [InlineData("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")]
    [InlineData("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)")]
    [InlineData("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)")]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36")]
    [InlineData("Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1")]
    [InlineData("Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse")]
    public void CrawlersAndAutomatedBrowsers_AreBots(string userAgent)
    {
        Assert.True(Filter.Value.Count > 1000, "the maintained list is loaded");
        Assert.True(Filter.Value.IsBot(userAgent));
        Assert.True(Filter.Value.IsBot(userAgent)); // and again, from the cache
    }

    [Theory]
    [InlineData(Chrome)]
    [InlineData("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15")]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0")]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1")]
    [InlineData("curl/8.5.0")]
    [InlineData("python-requests/2.32.3")]
    [InlineData("Go-http-client/1.1")]
    [InlineData("")]
    [InlineData(null)]
    public void PeopleAndServerSideIntegrations_AreNot(string? userAgent) =>
        Assert.False(Filter.Value.IsBot(userAgent));

    [Fact]
    public void HttpLibraries_CanBeTreatedAsBotsToo()
    {
        var strict = BotFilter.Load(Path.Combine(AppContext.BaseDirectory, "lists", "crawler-user-agents.txt"), allowHttpLibraries: false);

        Assert.True(strict.IsBot("curl/8.5.0"));
        Assert.True(strict.IsBot("python-requests/2.32.3"));
        Assert.False(strict.IsBot(Chrome));
    }

    [Fact]
    public async Task ABotsPageViews_Get202_AndNeverReachAGrain()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path);

        foreach (var (visitor, userAgent) in new[]
        {
            ("v_googlebot_01", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
            ("v_headless_001", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36"),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/collect")
            {
                Content = new StringContent(Payloads.PageViews("demo", visitor, "/pricing"), Encoding.UTF8, "text/plain"),
            };
            request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
            using var client = host.Client();
            Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(request)).StatusCode);
        }

        using var person = new HttpRequestMessage(HttpMethod.Post, "/collect")
        {
            Content = new StringContent(Payloads.PageViews("demo", "v_person_0001", "/pricing"), Encoding.UTF8, "text/plain"),
        };
        person.Headers.TryAddWithoutValidation("User-Agent", Chrome);
        Assert.Equal(HttpStatusCode.Accepted, (await host.Client().SendAsync(person)).StatusCode);

        // Only the person's page view reached its visitor: its journal has the entry, the bots' have nothing.
        var store = host.Services.GetRequiredService<IJournalStore>();
        Assert.Single((await store.LoadAsync(StreamNames.Visitor(GrainKeys.Visitor("demo", "v_person_0001")))).Entries);
        foreach (var bot in new[] { "v_googlebot_01", "v_headless_001" })
        {
            var stored = await store.LoadAsync(StreamNames.Visitor(GrainKeys.Visitor("demo", bot)));
            Assert.Null(stored.Snapshot);
            Assert.Empty(stored.Entries);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await host.Admin.GetAsync("/api/sites/demo/visitors/v_googlebot_01")).StatusCode);
    }
}
