using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using VisitorGrains.Api.Hosting;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.EndToEnd;

/// <summary>
/// What an operator scrapes from <c>/metrics</c> and sees on <c>/dashboard/</c>, on the real API. The product's
/// meter is one per process, so these run alone (after the rest) and compare a scrape before with one after.
/// </summary>
[Collection(nameof(ObservabilityCollection))]
public sealed class ObservabilityTests
{
    private const string VolvoIp = "198.51.100.7";
    private const string FloodIp = "203.0.113.9";
    private const string Password = "correct horse battery";

    [Fact]
    public async Task Metrics_CountWhatCollectAnswered_TheAlertRaisedAndDelivered_ResidentGrains_AndOrleans()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path, new Dictionary<string, string?>
        {
            ["RateLimits:PerIpPerSecond"] = "1",
            ["RateLimits:PerIpBurst"] = "5",
        });
        Assert.Equal(HttpStatusCode.OK, (await host.Admin.PutAsync("/api/sites/demo/rules",
            new StringContent(TestRules.HotCompanyOnly, Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Admin.PostAsync("/api/sites/demo/accounts", new StringContent(
            "name,domain,status,owner,products,industry,employees,revenue,country,ip_ranges\n" +
            "Volvo Cars,volvocars.com,target,erik,,automotive,40000,,SE,198.51.100.0/24\n", Encoding.UTF8, "text/csv"))).StatusCode);
        await using var hub = await host.ConnectHubAsync(await host.CreateKeyAsync("sales", "demo"));
        var inbox = new AlertInbox(hub);
        await hub.InvokeAsync("Subscribe", "demo", 0L);
        var before = await Scrape.TakeAsync(host.Admin);
        var statsBefore = await host.Admin.GetFromJsonAsync<JsonElement>("/api/stats");

        // Five page views in three batches make Volvo Cars hot (25 + 15 + 25 + 25 + 25 ≥ 60): one alert.
        var accepted = new[]
        {
            await host.CollectAsync(Payloads.PageViews("demo", "v_3f9a0c2e7b1d", "/pricing", "/customers/scania"), VolvoIp),
            await host.CollectAsync(Payloads.PageViews("demo", "v_3f9a0c2e7b1d", "/contact"), VolvoIp),
            await host.CollectAsync(Payloads.PageViews("demo", "v_8e1d2c3b4a59", "/pricing", "/contact"), VolvoIp),
        };
        Assert.All(accepted, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        Assert.Equal("hot-company", (await inbox.NextAsync()).GetProperty("rule").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await host.CollectAsync("{}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await host.CollectAsync(Payloads.PageViews("no-such-site", "v_3f9a0c2e7b1d", "/"))).StatusCode);
        // One address over its burst of 5: the first few get through (to a 400: the body is empty), the rest 429.
        var flood = new List<HttpStatusCode>();
        for (var i = 0; i < 30 && !flood.Contains(HttpStatusCode.TooManyRequests); i++)
        {
            flood.Add((await host.CollectAsync("{}", FloodIp)).StatusCode);
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, flood);
        var after = await Eventually.GetAsync(() => Scrape.TakeAsync(host.Admin),
            s => Delta(before, s, "visitorgrains_alerts_latency_milliseconds_count") >= 1);

        Assert.Equal(3, Delta(before, after, "visitorgrains_collect_batches_total", ("outcome", "accepted"), ("http_response_status_code", "202")));
        Assert.Equal(5, Delta(before, after, "visitorgrains_collect_events_total"));
        Assert.Equal(1 + flood.Count(s => s == HttpStatusCode.BadRequest),
            Delta(before, after, "visitorgrains_collect_batches_total", ("outcome", "invalid"), ("http_response_status_code", "400")));
        Assert.Equal(1, Delta(before, after, "visitorgrains_collect_batches_total", ("outcome", "unknown-site"), ("http_response_status_code", "403")));
        Assert.Equal(1, Delta(before, after, "visitorgrains_collect_batches_total", ("outcome", "rate-limited-address"), ("http_response_status_code", "429")));
        Assert.Equal(1, Delta(before, after, "visitorgrains_alerts_raised_total", ("rule", "hot-company")));

        // Latency histograms: one sample per accepted batch, and one per alert sent to the one subscribed connection.
        Assert.Equal(3, Delta(before, after, "visitorgrains_collect_duration_milliseconds_count"));
        Assert.Equal(3, Delta(before, after, "visitorgrains_collect_duration_milliseconds_bucket", ("le", "+Inf")));
        Assert.True(after.Has("visitorgrains_collect_duration_milliseconds_bucket", ("le", "5")), "no 5 ms bucket");
        Assert.Equal(1, Delta(before, after, "visitorgrains_alerts_latency_milliseconds_count"));
        Assert.Equal(1, Delta(before, after, "visitorgrains_alerts_latency_milliseconds_bucket", ("le", "+Inf")));

        Assert.True(after.Value("visitorgrains_visitors_active") >= 2, after.Text);
        Assert.True(after.Value("visitorgrains_companies_active") >= 1, after.Text);
        Assert.True(after.Value("orleans_catalog_activation_created_total", ("grain_type", "visitorshard")) >= 1, "Orleans' own meter is missing");
        Assert.True(after.Has("dotnet_gc_collections_total"), "the runtime's meter is missing");

        // The node's collector since it started, as the benchmark reads it around each run.
        var statsAfter = await host.Admin.GetFromJsonAsync<JsonElement>("/api/stats");
        Assert.True(statsAfter.GetProperty("allocatedBytes").GetInt64() > statsBefore.GetProperty("allocatedBytes").GetInt64());
        Assert.True(statsAfter.GetProperty("gcPauseMs").GetDouble() >= statsBefore.GetProperty("gcPauseMs").GetDouble());
        // The thread pool: requests and grain turns ran as its work items, so the count since start grew.
        var pool = statsAfter.GetProperty("threadPool");
        Assert.True(pool.GetProperty("threads").GetInt32() >= 1);
        Assert.True(pool.GetProperty("queuedWorkItems").GetInt64() >= 0);
        Assert.True(pool.GetProperty("completedWorkItems").GetInt64() > statsBefore.GetProperty("threadPool").GetProperty("completedWorkItems").GetInt64());
        // The embedded store's writer: the page views' journal entries went through its group commits.
        var journal = statsAfter.GetProperty("journal");
        Assert.True(journal.GetProperty("writes").GetInt64() > statsBefore.GetProperty("journal").GetProperty("writes").GetInt64());
        Assert.True(journal.GetProperty("commits").GetInt64() > 0);
        // The pages those commits wrote (each a WAL frame), and the bytes of entries among them.
        var journalBefore = statsBefore.GetProperty("journal");
        Assert.True(journal.GetProperty("pagesWritten").GetInt64() > journalBefore.GetProperty("pagesWritten").GetInt64(), journal.ToString());
        // The writer's first commits read the file's pages into its cache: a store that has written has read.
        Assert.True(journal.GetProperty("pagesRead").GetInt64() > 0, journal.ToString());
        Assert.True(journal.GetProperty("appendBytes").GetInt64() > journalBefore.GetProperty("appendBytes").GetInt64(), journal.ToString());
        // Its two threads' own CPU time, read from /proc on Linux (10 ms ticks: a light test may not have used one yet).
        Assert.True(journal.GetProperty("writerCpuMs").GetDouble() >= 0, journal.ToString());
        Assert.True(journal.GetProperty("checkpointerCpuMs").GetDouble() >= 0, journal.ToString());
        // Volvo Cars has confirmed both visitors' contributions (it raised its alert): nobody owes it anything.
        var owing = await Eventually.GetAsync(async () => (await host.Admin.GetFromJsonAsync<JsonElement>("/api/stats"))
            .GetProperty("visitorsOwingCompanies").GetInt32(), n => n == 0);
        Assert.Equal(0, owing);
    }

    [Fact]
    public async Task Metrics_AreAdminsOnly_UnlessMadePublicForAPrivateScraper()
    {
        using var data = new TempDirectory();
        await using (var host = await ApiHost.StartAsync(data.Path))
        {
            using var anonymous = host.Client();
            using var marketer = host.Client(await host.CreateKeyAsync("marketer", "*"));
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await marketer.GetAsync("/metrics")).StatusCode);
            var scraped = await host.Admin.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
            Assert.Contains("visitorgrains_visitors_active", await scraped.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await using (var host = await ApiHost.StartAsync(data.Path, new Dictionary<string, string?> { ["Metrics:Public"] = "true" }))
        {
            using var anonymous = host.Client();
            var scraped = await anonymous.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
            Assert.Contains("visitorgrains_visitors_active", await scraped.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/stats")).StatusCode);
        }
    }

    [Fact]
    public async Task TheDashboard_IsOffUnlessEnabled()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path);

        Assert.Equal(HttpStatusCode.NotFound, (await host.Admin.GetAsync("/dashboard/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Admin.GetAsync("/dashboard/DashboardCounters")).StatusCode);
        // Nor does it run in the silo: no metrics reader of its own counting activations, no profiling filter.
        Assert.DoesNotContain(Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetServices<Microsoft.Extensions.Hosting.IHostedService>(host.Services),
            s => s.GetType().Namespace?.StartsWith("Orleans.Dashboard", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task TheDashboard_IsAdmins_ByKeyOrSignedIn_WithItsOwnContentSecurityPolicy()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path, new Dictionary<string, string?> { ["Dashboard:Enabled"] = "true" });
        using var anonymous = host.Client();
        using var sales = host.Client(await host.CreateKeyAsync("sales", "demo"));

        var page = await host.Admin.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<title>Orleans Dashboard</title>", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(AdminDashboard.ContentSecurityPolicy, string.Join(", ", page.Headers.GetValues("Content-Security-Policy")));
        Assert.Contains("script-src 'self';", AdminDashboard.ContentSecurityPolicy, StringComparison.Ordinal);
        var counters = await host.Admin.GetAsync("/dashboard/DashboardCounters");
        Assert.Equal(HttpStatusCode.OK, counters.StatusCode);
        Assert.Contains("\"hosts\"", await counters.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/dashboard/")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/dashboard/DashboardCounters")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await sales.GetAsync("/dashboard/")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await sales.GetAsync("/dashboard/DashboardCounters")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.Admin.GetAsync("/dashboard/SiloCounters/not-a-silo")).StatusCode);

        // In a browser: an admin who signed in sees it; a salesperson who signed in does not.
        foreach (var (user, role, expected) in new[] { ("ada", "admin", HttpStatusCode.OK), ("erik", "sales", HttpStatusCode.Forbidden) })
        {
            Assert.Equal(HttpStatusCode.Created, (await host.Admin.PostAsJsonAsync("/api/users",
                new { user, password = Password, role, sites = new[] { "demo" } })).StatusCode);
            using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = host.Address };
            Assert.Equal(HttpStatusCode.OK, (await browser.PostAsJsonAsync("/login", new { user, password = Password })).StatusCode);
            Assert.Equal(expected, (await browser.GetAsync("/dashboard/")).StatusCode);
        }

        // The rest of the API keeps its own, stricter policy.
        Assert.Equal("frame-ancestors 'none'", string.Join(", ", (await host.Admin.GetAsync("/api/sites/demo")).Headers.GetValues("Content-Security-Policy")));
    }

    [Fact]
    public async Task WithAnOtlpEndpoint_MetricsArePushedThere_AndScrapingStillWorks()
    {
        using var receiver = new OtlpReceiver();
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path, new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Address,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
        });
        Assert.Equal(HttpStatusCode.Accepted, (await host.CollectAsync(Payloads.PageViews("demo", "v_3f9a0c2e7b1d", "/pricing"))).StatusCode);

        var pushed = await Eventually.GetAsync(() => Task.FromResult(receiver.Received),
            bodies => bodies.Any(b => Contains(b, "visitorgrains.collect.batches")), TimeSpan.FromSeconds(20));

        Assert.Contains(pushed, b => Contains(b, "visitorgrains.collect.batches"));
        Assert.Contains(pushed, b => Contains(b, "Microsoft.Orleans"));
        Assert.Equal(HttpStatusCode.OK, (await host.Admin.GetAsync("/metrics")).StatusCode);
    }

    private static double Delta(Scrape before, Scrape after, string metric, params (string Name, string Value)[] labels) =>
        after.Value(metric, labels) - before.Value(metric, labels);

    /// <summary>OTLP's protobuf carries names as plain UTF-8: enough to tell what was pushed.</summary>
    private static bool Contains(byte[] body, string text) => body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;

    /// <summary>A stand-in OpenTelemetry collector: takes OTLP/HTTP metric exports on loopback and keeps their bodies.</summary>
    private sealed class OtlpReceiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly List<byte[]> _received = [];

        public OtlpReceiver()
        {
            Address = $"http://127.0.0.1:{Ports.Free()}";
            _listener.Prefixes.Add(Address + "/");
            _listener.Start();
            _ = ServeAsync();
        }

        public string Address { get; }

        public IReadOnlyList<byte[]> Received
        {
            get
            {
                lock (_received)
                {
                    return [.. _received];
                }
            }
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                if (context.Request.Url?.AbsolutePath == "/v1/metrics")
                {
                    lock (_received)
                    {
                        _received.Add(body.ToArray());
                    }
                }

                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
        }

        public void Dispose() => _listener.Close();
    }
}

/// <summary>The product's meter is one per process: its tests run alone, after the parallel ones.</summary>
[CollectionDefinition(nameof(ObservabilityCollection), DisableParallelization = true)]
public sealed class ObservabilityCollection;
