using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using VisitorGrains.Domain.Scoring;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Access;
using VisitorGrains.Grains.Storage;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.Hardening;

/// <summary>
/// Every endpoint the API maps is either on the public list or refuses strangers (401), other sites (403)
/// and roles below its own (403); the hub, key storage, revocation and security headers likewise.
/// </summary>
public sealed class AccessTests
{
    private const string Site = "demo";
    private const string OtherSite = "other";
    private const string Visitor = "v_3f9a0c2e7b1d";
    private const string AnyMethod = "*";

    /// <summary>Who may call an endpoint besides admins, who may call them all.</summary>
    private enum Need
    {
        /// <summary>Any valid key; what it may see is checked inside (the hub's Subscribe).</summary>
        Key,

        /// <summary>Admins only.</summary>
        Admin,

        /// <summary>Sales and marketers of the site.</summary>
        Reader,

        /// <summary>Marketers of the site.</summary>
        Marketer,

        /// <summary>Sales of the site (marketers do not move leads).</summary>
        Sales,

        /// <summary>Switched off: refused to everyone, admins too (after a key is checked: strangers get 401).</summary>
        Nobody,
    }

    private sealed record Rule(Need Need, Func<HttpContent>? Body = null);

    /// <summary>Endpoints anyone may call, by method and route pattern: the tracker's side of the product and probes.</summary>
    private static readonly HashSet<string> Public = new(StringComparer.Ordinal)
    {
        "GET /healthz",
        "GET /readyz",
        "GET /openapi/{documentName}.json",
        "POST /collect",
        "OPTIONS /collect",
        "GET /vg.js",
        "GET /vg.{version:regex(^[0-9a-f]{{12}}$)}.js",
        "GET /vg.auto.js",
        "GET /vg.auto.{version:regex(^[0-9a-f]{{12}}$)}.js",
        // People sign in; the UI's pages redirect to /login without a session (what they show comes from /api).
        "GET /login",
        "POST /login",
        "POST /logout",
        "GET /",
        "GET /companies/{id}",
        "GET /rules",
        "GET /reports",
        "GET /accounts",
        "GET /settings",
    };

    private static int _users;

    /// <summary>Every other endpoint, by method and route pattern, with the role it needs and a valid body.</summary>
    private static readonly Dictionary<string, Rule> Rules = new(StringComparer.Ordinal)
    {
        ["* /hubs/prospects/negotiate"] = new(Need.Key),
        ["* /hubs/prospects"] = new(Need.Key),

        ["POST /api/keys"] = new(Need.Admin, () => Json(new { role = "sales", sites = new[] { Site }, user = "probe" })),
        ["DELETE /api/keys/{key}"] = new(Need.Admin),
        ["POST /api/users"] = new(Need.Admin, () => Json(new
        {
            user = $"probe-{Interlocked.Increment(ref _users)}", password = "correct horse battery", role = "sales", sites = new[] { Site },
        })),
        ["GET /api/stats"] = new(Need.Admin),
        // Metrics are admins' unless Metrics:Public is set (ObservabilityTests covers that switch).
        ["GET /metrics"] = new(Need.Admin),
        ["GET /api/me"] = new(Need.Key),

        ["PUT /api/sites/{site}/"] = new(Need.Marketer, () => Json(new { name = "Demo" })),
        ["GET /api/sites/{site}/"] = new(Need.Reader),
        ["GET /api/sites/{site}/rules"] = new(Need.Reader),
        ["PUT /api/sites/{site}/rules"] = new(Need.Marketer, () => new StringContent(DefaultRules.Json, Encoding.UTF8, "application/json")),
        ["POST /api/sites/{site}/rules/preview"] = new(Need.Marketer, () => Json(new { pages = new[] { "/pricing" } })),
        ["GET /api/sites/{site}/rules/versions"] = new(Need.Marketer),
        ["POST /api/sites/{site}/rules/versions/{version:int}/restore"] = new(Need.Marketer),
        ["POST /api/sites/{site}/accounts"] = new(Need.Marketer, () => Json(new[] { new { name = "Volvo Cars", domain = "volvocars.com", status = "target" } })),
        ["GET /api/sites/{site}/accounts"] = new(Need.Reader),
        ["POST /api/sites/{site}/backtest"] = new(Need.Marketer, () => Json(new { from = DateTimeOffset.UtcNow.AddHours(-1), to = DateTimeOffset.UtcNow })),
        ["GET /api/sites/{site}/backtest/{id}"] = new(Need.Marketer),

        ["GET /api/sites/{site}/companies"] = new(Need.Reader),
        ["GET /api/sites/{site}/companies/{id}"] = new(Need.Reader),
        ["GET /api/sites/{site}/visitors/{visitor}"] = new(Need.Reader),
        ["POST /api/sites/{site}/visitors/{visitor}/stage"] = new(Need.Sales, () => Json(new { action = "accept" })),
        ["GET /api/sites/{site}/alerts"] = new(Need.Reader),
        ["GET /api/sites/{site}/alerts/handling"] = new(Need.Reader),
        ["POST /api/sites/{site}/alerts/{seq:long}/handling"] = new(Need.Sales, () => Json(new { action = "claim" })),

        // Data subject requests: a person's data is exported or erased by admins only.
        ["GET /api/sites/{site}/visitors/{visitor}/export"] = new(Need.Admin),
        ["DELETE /api/sites/{site}/visitors/{visitor}"] = new(Need.Admin),
        ["GET /api/sites/{site}/contacts/{email}/export"] = new(Need.Admin),
        ["DELETE /api/sites/{site}/contacts/{email}"] = new(Need.Admin),

        // The dashboard's live log stream is switched off (Hosting/AdminDashboard); the rest of it is admins' (below).
        ["GET /dashboard/Trace"] = new(Need.Nobody),
    };

    /// <summary>
    /// Whole areas mapped by a package rather than by us, by method and route prefix: Orleans' dashboard (its
    /// page, assets and JSON) is admins'. Each of its endpoints is probed like those of the table.
    /// </summary>
    private static readonly (string Prefix, Rule Rule)[] Areas =
    [
        ("GET /dashboard/", new(Need.Admin)),
    ];

    private static Rule? RuleFor(string name) =>
        Rules.TryGetValue(name, out var rule) ? rule : Areas.FirstOrDefault(a => name.StartsWith(a.Prefix, StringComparison.Ordinal)).Rule;

    [Fact]
    public async Task EveryEndpoint_IsPublicByName_OrRefusesStrangersOtherSitesAndLowerRoles()
    {
        using var data = new TempDirectory();
        // Orleans' dashboard is off unless enabled: on here, so that its endpoints are probed too.
        await using var host = await ApiHost.StartAsync(data.Path, new Dictionary<string, string?> { ["Dashboard:Enabled"] = "true" });
        Assert.Equal(HttpStatusCode.Created, (await host.Admin.PutAsJsonAsync($"/api/sites/{OtherSite}", new { name = "Other" })).StatusCode);

        using var anonymous = host.Client();
        using var madeUp = host.Client(ApiKeys.New());
        var callers = new List<(string Name, HttpClient Client, string? Role, string? Site)>
        {
            ("admin", host.Admin, Roles.Admin, Roles.AnySite),
        };
        foreach (var role in new[] { Roles.Sales, Roles.Marketer })
        {
            foreach (var site in new[] { Site, OtherSite, Roles.AnySite })
            {
                callers.Add(($"{role}@{site}", host.Client(await host.CreateKeyAsync(role, site)), role, site));
            }
        }

        var endpoints = host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [AnyMethod])
                .Select(method => (Method: method, Endpoint: e, Name: $"{method} {e.RoutePattern.RawText}")))
            .ToList();
        var failures = new List<string>();

        var open = endpoints.Where(e => e.Endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null).Select(e => e.Name).ToHashSet();
        failures.AddRange(open.Except(Public).Select(name => $"{name}: public (allows anonymous) but not on the test's public list"));
        failures.AddRange(Public.Except(open).Select(name => $"{name}: on the public list but not mapped as public"));
        failures.AddRange(endpoints.Where(e => !open.Contains(e.Name) && RuleFor(e.Name) is null)
            .Select(e => $"{e.Name}: not in the test's table of roles; add it with the role it needs"));
        failures.AddRange(Rules.Keys.Where(name => endpoints.All(e => e.Name != name)).Select(name => $"{name}: in the table but not mapped"));
        failures.AddRange(Areas.Where(a => !endpoints.Any(e => e.Name.StartsWith(a.Prefix, StringComparison.Ordinal))).Select(a => $"{a.Prefix}…: no endpoint is mapped there"));
        var silo = host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToParsableString();

        var probes = 0;
        foreach (var (method, endpoint, name) in endpoints)
        {
            if (open.Contains(name))
            {
                // Public ones answer without credentials (whatever else they say about an empty request).
                var status = await SendAsync(anonymous, method == AnyMethod ? "GET" : method, Fill(endpoint.RoutePattern, Site, silo), null);
                probes++;
                if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden || (int)status >= 500)
                {
                    failures.Add($"{name} without credentials: {(int)status}");
                }

                continue;
            }

            if (RuleFor(name) is not { } rule)
            {
                continue;
            }

            foreach (var verb in method == AnyMethod ? ["GET", "POST", "DELETE"] : new[] { method })
            {
                var path = Fill(endpoint.RoutePattern, Site, silo);
                async Task ExpectAsync(string who, HttpClient client, Func<HttpStatusCode, bool> ok, string expected)
                {
                    var status = await SendAsync(client, verb, path, rule.Body);
                    probes++;
                    if (!ok(status))
                    {
                        failures.Add($"{verb} {endpoint.RoutePattern.RawText} as {who}: expected {expected}, got {(int)status} {status}");
                    }
                }

                await ExpectAsync("nobody", anonymous, s => s == HttpStatusCode.Unauthorized, "401");
                await ExpectAsync("a made-up key", madeUp, s => s == HttpStatusCode.Unauthorized, "401");
                if (rule.Need == Need.Key)
                {
                    continue;
                }

                foreach (var (who, client, role, site) in callers)
                {
                    var roleFits = rule.Need != Need.Nobody && (role == Roles.Admin || Allows(rule.Need, role!));
                    var siteFits = rule.Need == Need.Admin ? role == Roles.Admin : site is Site or Roles.AnySite;
                    if (roleFits && siteFits)
                    {
                        // Allowed: whatever the answer is (404 for a made-up id), it is not about access or the body.
                        await ExpectAsync(who, client, s => s is not (HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                            && (int)s < 500, "an answer that is not 400, 401, 403 or 5xx");
                    }
                    else
                    {
                        await ExpectAsync(who, client, s => s == HttpStatusCode.Forbidden, "403");
                    }
                }
            }
        }

        // Only admins create sites, whatever a marketer's sites.
        var create = await SendAsync(callers.Single(c => c.Name == $"{Roles.Marketer}@{Roles.AnySite}").Client, "PUT", "/api/sites/brand-new",
            () => Json(new { name = "Brand new" }));
        if (create != HttpStatusCode.Forbidden)
        {
            failures.Add($"PUT /api/sites/{{site}} creating a site as {Roles.Marketer}@{Roles.AnySite}: expected 403, got {(int)create}");
        }

        foreach (var caller in callers.Skip(1))
        {
            caller.Client.Dispose();
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {probes} probes failed:\n" + string.Join('\n', failures));
        Assert.True(probes > 150, $"Only {probes} probes: the endpoint list looks short.");
    }

    [Fact]
    public async Task TheHub_RefusesStrangers_AndSubscriptionsToOtherSites()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path);
        Assert.Equal(HttpStatusCode.Created, (await host.Admin.PutAsJsonAsync($"/api/sites/{OtherSite}", new { name = "Other" })).StatusCode);

        foreach (var token in new[] { null, ApiKeys.New() })
        {
            await using var stranger = new HubConnectionBuilder()
                .WithUrl(new Uri(host.Address, "/hubs/prospects"), options => options.AccessTokenProvider = () => Task.FromResult(token))
                .Build();
            var refused = await Assert.ThrowsAsync<HttpRequestException>(() => stranger.StartAsync());
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // Straight to the WebSocket, skipping negotiation, with the key in the query string as browsers send it.
        await using (var direct = new HubConnectionBuilder()
            .WithUrl(new Uri(host.Address, $"/hubs/prospects?access_token={ApiKeys.New()}"), options =>
            {
                options.SkipNegotiation = true;
                options.Transports = HttpTransportType.WebSockets;
            })
            .Build())
        {
            var refused = await Assert.ThrowsAnyAsync<Exception>(() => direct.StartAsync());
            Assert.Contains("401", refused.ToString(), StringComparison.Ordinal);
        }

        await using var sales = await host.ConnectHubAsync(await host.CreateKeyAsync(Roles.Sales, Site));
        var other = await Assert.ThrowsAsync<HubException>(() => sales.InvokeAsync("Subscribe", OtherSite, 0L));
        Assert.Contains("Not allowed", other.Message, StringComparison.Ordinal);
        await sales.InvokeAsync("Subscribe", Site, 0L);

        await using var marketer = await host.ConnectHubAsync(await host.CreateKeyAsync(Roles.Marketer, OtherSite));
        await Assert.ThrowsAsync<HubException>(() => marketer.InvokeAsync("Subscribe", Site, 0L));
        await marketer.InvokeAsync("Subscribe", OtherSite, 0L);
    }

    [Fact]
    public async Task KeysAreStoredOnlyAsHashes_AndARevokedKeyIsRefusedAtOnce_AlsoAfterARestart()
    {
        using var data = new TempDirectory();
        string key;
        string kept;
        await using (var host = await ApiHost.StartAsync(data.Path))
        {
            key = await host.CreateKeyAsync(Roles.Sales, Site);
            kept = await host.CreateKeyAsync(Roles.Sales, Site);
            using var client = host.Client(key);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/sites/{Site}/alerts")).StatusCode); // now in the key cache

            // The store names the key by its hash; neither the key nor its random part is in any file.
            var hash = ApiKeys.Hash(key);
            var streams = await host.Services.GetRequiredService<IJournalStore>().StreamsAsync(StreamNames.KeyPrefix, 100);
            Assert.Contains(StreamNames.Key(hash), streams);
            Assert.DoesNotContain(streams, s => s.Contains(key[ApiKeys.Prefix.Length..], StringComparison.Ordinal));
            Assert.Equal(Roles.Sales, (await host.Services.GetRequiredService<IGrainFactory>().GetGrain<IApiKeyGrain>(hash).GetAsync())?.Role);
            var files = Directory.EnumerateFiles(data.Path, "*", SearchOption.AllDirectories).ToList();
            Assert.Contains(files, f => Holds(f, hash)); // the search does see what is stored
            Assert.DoesNotContain(files, f => Holds(f, key[ApiKeys.Prefix.Length..]));

            // Only admins revoke.
            using var marketer = host.Client(await host.CreateKeyAsync(Roles.Marketer, Roles.AnySite));
            Assert.Equal(HttpStatusCode.Forbidden, (await marketer.DeleteAsync($"/api/keys/{Uri.EscapeDataString(key)}")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/sites/{Site}/alerts")).StatusCode);

            Assert.Equal(HttpStatusCode.NoContent, (await host.Admin.DeleteAsync($"/api/keys/{Uri.EscapeDataString(key)}")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync($"/api/sites/{Site}/alerts")).StatusCode);
            var hub = await Assert.ThrowsAsync<HttpRequestException>(() => host.ConnectHubAsync(key));
            Assert.Equal(HttpStatusCode.Unauthorized, hub.StatusCode);
            using var keptClient = host.Client(kept);
            Assert.Equal(HttpStatusCode.OK, (await keptClient.GetAsync($"/api/sites/{Site}/alerts")).StatusCode);
        }

        await using (var host = await ApiHost.StartAsync(data.Path))
        {
            using var client = host.Client(key);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync($"/api/sites/{Site}/alerts")).StatusCode);
            using var keptClient = host.Client(kept);
            Assert.Equal(HttpStatusCode.OK, (await keptClient.GetAsync($"/api/sites/{Site}/alerts")).StatusCode);
        }
    }

    [Fact]
    public async Task EveryAnswerSaysNosniff_AndTheApisOwnAnswersRefuseFramingAndReferrers()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path);
        using var anonymous = host.Client();

        var script = await anonymous.GetAsync("/vg.js");
        var collected = await host.CollectAsync(Payloads.PageViews(Site, Visitor, "/pricing"));
        var rejected = await host.CollectAsync("{}");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, collected.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        foreach (var forOtherSites in new[] { script, collected, rejected })
        {
            Assert.Equal("nosniff", Header(forOtherSites, "X-Content-Type-Options"));
        }

        var answers = new[]
        {
            await host.Admin.GetAsync($"/api/sites/{Site}"),
            await host.Admin.GetAsync($"/api/sites/{Site}/companies/volvocars.com"),
            await anonymous.GetAsync($"/api/sites/{Site}"),
            await host.Admin.PutAsync($"/api/sites/{Site}/rules", new StringContent("{\"pages\": 1}", Encoding.UTF8, "application/json")),
            await anonymous.GetAsync("/healthz"),
        };
        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.NotFound, HttpStatusCode.Unauthorized, HttpStatusCode.BadRequest, HttpStatusCode.OK],
            answers.Select(a => a.StatusCode));
        foreach (var answer in answers)
        {
            var what = $"{answer.RequestMessage!.Method} {answer.RequestMessage.RequestUri!.AbsolutePath} ({(int)answer.StatusCode})";
            Assert.True("nosniff" == Header(answer, "X-Content-Type-Options"), what);
            Assert.True("no-referrer" == Header(answer, "Referrer-Policy"), what);
            Assert.True("DENY" == Header(answer, "X-Frame-Options"), what);
            Assert.True("frame-ancestors 'none'" == Header(answer, "Content-Security-Policy"), what);
        }
    }

    private static bool Allows(Need need, string role) => need switch
    {
        Need.Key => true,
        Need.Reader => role is Roles.Sales or Roles.Marketer,
        Need.Marketer => role == Roles.Marketer,
        Need.Sales => role == Roles.Sales,
        _ => false,
    };

    /// <summary>The route with plausible values for its parameters: the site given, made-up ids, this host's silo.</summary>
    private static string Fill(RoutePattern pattern, string site, string silo)
    {
        var path = new StringBuilder();
        foreach (var segment in pattern.PathSegments)
        {
            path.Append('/');
            foreach (var part in segment.Parts)
            {
                path.Append(part switch
                {
                    RoutePatternLiteralPart literal => literal.Content,
                    RoutePatternSeparatorPart separator => separator.Content,
                    RoutePatternParameterPart parameter => Uri.EscapeDataString(ValueOf(parameter.Name, pattern.RawText ?? "", site, silo)),
                    _ => throw new InvalidOperationException($"A route part the test does not know: {part}"),
                });
            }
        }

        if (pattern.RawText?.EndsWith('/') == true && path.Length > 0)
        {
            path.Append('/');
        }

        return path.Length == 0 ? "/" : path.ToString();
    }

    private static string ValueOf(string parameter, string route, string site, string silo) => parameter switch
    {
        "site" => site,
        "key" => ApiKeys.New(),
        "id" when route.Contains("/backtest/", StringComparison.Ordinal) => "bt_" + Guid.NewGuid().ToString("N"),
        "id" => "volvocars.com",
        "visitor" => Visitor,
        "email" => "anna.berg@volvocars.com",
        "seq" => "1",
        "version" when route.Contains("/rules/versions/", StringComparison.Ordinal) => "1",
        "version" => "000000000000",
        "documentName" => "v1",
        // The dashboard's: a silo, a grain type, a page of reminders, its assets.
        "address" => silo,
        "path" when route.Contains("/HistoricalStats/", StringComparison.Ordinal) => silo,
        "path" when route.Contains("/fonts/", StringComparison.Ordinal) => "fa-solid-900.woff2",
        "path" when route.Contains("/img/", StringComparison.Ordinal) => "OrleansLogo.png",
        "grainName" => typeof(VisitorGrains.Grains.Journeys.VisitorShardGrain).FullName!,
        "page" => "1",
        _ => throw new InvalidOperationException($"No test value for {{{parameter}}} in {route}: add one to {nameof(ValueOf)}."),
    };

    private static async Task<HttpStatusCode> SendAsync(HttpClient client, string method, string path, Func<HttpContent>? body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = body?.Invoke() };
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private static StringContent Json<T>(T value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : null;

    private static bool Holds(string file, string text)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.GetBuffer().AsSpan(0, (int)buffer.Length).IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
    }

    [Fact]
    public async Task ARevokedKeysOpenHubConnections_AreClosed_AtOnceHere_AndOnEveryNodeWithinTheCheckPeriod()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path);
        var accounts = await host.Admin.PostAsync($"/api/sites/{Site}/accounts", new StringContent(
            "name,domain,status,owner,products,industry,employees,revenue,country,ip_ranges\n" +
            "Volvo Cars,volvocars.com,target,erik,,automotive,40000,,SE,198.51.100.0/24\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.OK, accounts.StatusCode);

        // Revoked through the API of this node: the connection closes at once and hears no further alert.
        var key = await host.CreateKeyAsync(Roles.Sales, Site);
        await using var hub = await host.ConnectHubAsync(key);
        var closed = new TaskCompletionSource();
        hub.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };
        var inbox = new AlertInbox(hub);
        await hub.InvokeAsync("Subscribe", Site, 0L);

        Assert.Equal(HttpStatusCode.NoContent, (await host.Admin.DeleteAsync($"/api/keys/{Uri.EscapeDataString(key)}")).StatusCode);
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.Accepted, (await host.CollectAsync(Payloads.PageViews(Site, Visitor, "/pricing"), "198.51.100.7")).StatusCode);
        Assert.Empty(await inbox.RestAsync(TimeSpan.FromSeconds(2)));

        // Revoked elsewhere (straight at the key's grain, as another node's API would): this node's check closes it.
        var other = await host.CreateKeyAsync(Roles.Sales, Site);
        await using var otherHub = await host.ConnectHubAsync(other);
        var otherClosed = new TaskCompletionSource();
        otherHub.Closed += _ => { otherClosed.TrySetResult(); return Task.CompletedTask; };
        await host.Services.GetRequiredService<IGrainFactory>().GetGrain<IApiKeyGrain>(ApiKeys.Hash(other)).RevokeAsync();
        await otherClosed.Task.WaitAsync(VisitorGrains.Api.Live.HubCredentials.CheckEvery * 2);
    }
}
