using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.EndToEnd;

public sealed class SignInTests
{
    private const string Password = "correct horse battery";

    [Fact]
    public async Task APersonWhoSignsIn_UsesTheApiAndTheHubWithTheSessionCookie_OnlyOnTheirSites()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path);
        await host.Admin.PutAsJsonAsync("/api/sites/other", new { name = "Other", origins = Array.Empty<string>() });
        await CreateUserAsync(host, "erik", "sales", "demo");
        var cookies = new CookieContainer();
        using var browser = Browser(host, cookies);

        var signedIn = await browser.PostAsJsonAsync("/login", new { user = "Erik", password = Password });

        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        var setCookie = signedIn.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        var me = await browser.GetFromJsonAsync<JsonElement>("/api/me");
        Assert.Equal(("erik", "sales"), (me.GetProperty("user").GetString(), me.GetProperty("role").GetString()));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/sites/demo/alerts")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync("/api/sites/other/alerts")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.PutAsync("/api/sites/demo/rules", JsonContent.Create(new { }))).StatusCode);

        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(host.Address, "/hubs/prospects"), options =>
            {
                options.Cookies = cookies;
                options.Headers["X-VG-Request"] = "1";
            })
            .Build();
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", "demo", 0L);
        await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("Subscribe", "other", 0L));

        using var foreign = new HttpRequestMessage(HttpMethod.Post, "/hubs/prospects/negotiate?negotiateVersion=1");
        foreign.Headers.Add("X-VG-Request", "1");
        foreign.Headers.Add("Origin", "https://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.SendAsync(foreign)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/?site=demo")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync("/?site=other")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync("/companies/acme.example?site=other")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync("/rules")).StatusCode); // the marketers' page

        var signedOut = await browser.PostAsync("/logout", null);
        Assert.Equal(HttpStatusCode.Forbidden, signedOut.StatusCode); // a cookie session changes nothing without the header
        using var logout = new HttpRequestMessage(HttpMethod.Post, "/logout");
        logout.Headers.Add("X-VG-Request", "1");
        Assert.Equal(HttpStatusCode.NoContent, (await browser.SendAsync(logout)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/sites/demo/alerts")).StatusCode);
    }

    [Fact]
    public async Task CookieRequestsThatChangeSomething_NeedTheCsrfHeader_ApiKeysDoNot()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path);
        await CreateUserAsync(host, "mia", "marketer", "demo");
        using var browser = Browser(host, new CookieContainer());
        await browser.PostAsJsonAsync("/login", new { user = "mia", password = Password });
        var rules = await browser.GetStringAsync("/api/sites/demo/rules");

        var forged = await browser.PutAsync("/api/sites/demo/rules", new StringContent(rules, System.Text.Encoding.UTF8, "text/plain"));
        using var genuine = new HttpRequestMessage(HttpMethod.Put, "/api/sites/demo/rules") { Content = new StringContent(rules, System.Text.Encoding.UTF8, "application/json") };
        genuine.Headers.Add("X-VG-Request", "1");
        var saved = await browser.SendAsync(genuine);
        var byKey = await host.Admin.PutAsync("/api/sites/demo/rules", new StringContent(rules, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Equal("application/problem+json", forged.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byKey.StatusCode);
    }

    /// <summary>
    /// Where /collect is served from the site's own domain, a signed-in colleague's browser sends the
    /// session cookie with the tracker's events, which carry no CSRF header: they are a visitor's events.
    /// </summary>
    [Fact]
    public async Task TrackerEvents_FromABrowserThatIsSignedIn_AreCountedNotRefused()
    {
        using var data = new TempDirectory();
        var authenticated = new CountingClaimsTransformation();
        await using var host = await ApiHost.StartAsync(data.Path, services: services => services.AddSingleton<IClaimsTransformation>(authenticated));
        await CreateUserAsync(host, "sam", "sales", "demo");
        using var browser = Browser(host, new CookieContainer());
        (await browser.PostAsJsonAsync("/login", new { user = "sam", password = Password })).EnsureSuccessStatusCode();

        var before = authenticated.Count;
        var collected = await browser.PostAsync("/collect",
            new StringContent(Payloads.PageViews("demo", "v_colleague_01", "/pricing"), System.Text.Encoding.UTF8, "text/plain"));
        var afterCollect = authenticated.Count;
        await browser.GetFromJsonAsync<JsonElement>("/api/me");

        Assert.Equal(HttpStatusCode.Accepted, collected.StatusCode);
        var visitor = await host.Admin.GetFromJsonAsync<JsonElement>("/api/sites/demo/visitors/v_colleague_01");
        Assert.Equal(1, visitor.GetProperty("pageViews").GetInt32());
        // The page view never read the session cookie (nothing was authenticated for it); the API call did.
        Assert.Equal(before, afterCollect);
        Assert.True(authenticated.Count > afterCollect);
    }

    /// <summary>Sees every successful authentication: ASP.NET Core passes each one's user through it.</summary>
    private sealed class CountingClaimsTransformation : IClaimsTransformation
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
        {
            Interlocked.Increment(ref _count);
            return Task.FromResult(principal);
        }
    }

    [Fact]
    public async Task FiveWrongPasswords_ThrottleThatUserName_WithRetryAfter()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path);
        await CreateUserAsync(host, "erik", "sales", "demo");
        await CreateUserAsync(host, "anna", "sales", "demo");
        using var client = host.Client();

        var wrong = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            wrong.Add((await client.PostAsJsonAsync("/login", new { user = "erik", password = $"guess number {i}" })).StatusCode);
        }

        var right = await client.PostAsJsonAsync("/login", new { user = "erik", password = Password });
        var someoneElse = await client.PostAsJsonAsync("/login", new { user = "anna", password = Password });

        Assert.All(wrong, status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        Assert.True(right.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal(HttpStatusCode.OK, someoneElse.StatusCode);
    }

    [Fact]
    public async Task TheFormSignIn_RedirectsOnlyWithinTheSite_AndPagesRedirectToLogin_WhileTheApiAnswers401()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path);
        await CreateUserAsync(host, "erik", "sales", "demo");
        using var browser = Browser(host, new CookieContainer());

        var page = await browser.GetAsync("/rules?site=demo");
        var api = await browser.GetAsync("/api/sites/demo/alerts");
        var login = await browser.GetAsync("/login");
        var offsite = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["user"] = "erik", ["password"] = Password, ["returnUrl"] = "//evil.example/",
        }));
        var wrong = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["user"] = "erik", ["password"] = "not the password", ["returnUrl"] = "/companies/acme.example?site=demo",
        }));

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/login?returnUrl=%2Frules%3Fsite%3Ddemo", page.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        var csp = string.Join(' ', login.Headers.GetValues("Content-Security-Policy"));
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", login.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal(HttpStatusCode.Redirect, offsite.StatusCode);
        Assert.Equal("/", offsite.Headers.Location?.OriginalString);
        Assert.StartsWith("/login?error=1&returnUrl=%2Fcompanies", wrong.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    private static HttpClient Browser(ApiHost host, CookieContainer cookies) =>
        new(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = host.Address };

    private static async Task CreateUserAsync(ApiHost host, string user, string role, string site)
    {
        var created = await host.Admin.PostAsJsonAsync("/api/users", new { user, password = Password, role, sites = new[] { site } });
        created.EnsureSuccessStatusCode();
    }
}
