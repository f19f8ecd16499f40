using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using VisitorGrains.Tests.Support;
using Xunit.Abstractions;

namespace VisitorGrains.Tests.Cluster;

/// <summary>
/// Cluster mode for real: standalone silo processes and API processes (Orleans clients), membership and
/// journals in a real PostgreSQL server that the test run starts itself.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterTests(ITestOutputHelper output)
{
    private const string AdminKey = "cluster-admin-key";
    private const int Companies = 24;

    /// <summary>Company i's visitors come from its own /28 in the documentation ranges.</summary>
    private static string CompanyIp(int company, int host) => company < 16
        ? $"198.51.100.{company * 16 + 1 + host}"
        : $"203.0.113.{(company - 16) * 16 + 1 + host}";

    private static string AccountsCsv()
    {
        var csv = new StringBuilder("name,domain,status,owner,ip_ranges\n");
        // One more company than the load uses: it becomes hot only after the silo's death.
        for (var i = 0; i <= Companies; i++)
        {
            var network = i < 16 ? $"198.51.100.{i * 16}/28" : $"203.0.113.{(i - 16) * 16}/28";
            csv.Append($"Company {i},c{i}.example,target,erik,{network}\n");
        }

        return csv.ToString();
    }

    private static async Task PrepareAsync(HttpClient admin)
    {
        var rules = await admin.PutAsync("/api/sites/demo/rules", new StringContent(TestRules.HotCompanyOnly, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, rules.StatusCode);
        var accounts = await admin.PostAsync("/api/sites/demo/accounts", new StringContent(AccountsCsv(), Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.OK, accounts.StatusCode);
    }

    [Fact]
    public async Task KillingASiloMidLoad_LosesNoAcceptedPageView_AndAlertsKeepFlowing()
    {
        var postgres = await PostgresServer.CreateDatabaseAsync();
        using var data = new TempDirectory();
        using var silo1 = await ClusterNode.StartSiloAsync("silo1", postgres, AdminKey, Path.Combine(data.Path, "silo1"));
        using var silo2 = await ClusterNode.StartSiloAsync("silo2", postgres, AdminKey, Path.Combine(data.Path, "silo2"));
        using var api = await ClusterNode.StartApiAsync("api", postgres, AdminKey, Path.Combine(data.Path, "api"));
        using var admin = api.Client(AdminKey);
        await PrepareAsync(admin);

        // Orleans' dashboard on the client API node shows both standalone silos, and their grains' figures.
        var counters = await admin.GetFromJsonAsync<JsonElement>("/dashboard/DashboardCounters");
        Assert.Equal(2, counters.GetProperty("hosts").EnumerateArray().Count(h => h.GetProperty("status").GetString() == "Active"));
        Assert.Contains(counters.GetProperty("simpleGrainStats").EnumerateArray(),
            g => g.GetProperty("grainType").GetString() == "VisitorGrains.Grains.Sites.SiteGrain" && g.GetProperty("activationCount").GetInt32() == 1);

        var salesKey = await CreateSalesKeyAsync(admin);
        await using var hub = await ConnectAsync(api, salesKey);
        var alerts = new AlertCollector(hub);
        await hub.InvokeAsync("Subscribe", "demo", 0L);

        // Two visitors per company: the first reads pricing, a case study and contact (hot: one alert for
        // the company), the second only the blog. Six batches each, sent in order, retried until accepted.
        var plans = Enumerable.Range(0, Companies).SelectMany(c => new[]
        {
            new VisitorPlan($"v_cluster_{c:D2}_a", CompanyIp(c, 0), [["/blog/a", "/blog/b"], ["/pricing"], ["/docs"], ["/customers/x"], ["/contact"], ["/about"]]),
            new VisitorPlan($"v_cluster_{c:D2}_b", CompanyIp(c, 1), [["/blog/a"], ["/blog/b"], ["/blog/c"], ["/blog/d"], ["/blog/e"], ["/blog/f", "/blog/g"]]),
        }).ToList();
        var totalBatches = plans.Sum(p => p.Batches.Length);
        var acceptedBatches = 0;
        var retries = 0;
        var killAt = totalBatches * 2 / 5;
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        using var collect = api.Client(timeout: TimeSpan.FromSeconds(20));

        var load = Parallel.ForEachAsync(plans, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = deadline.Token },
            async (plan, token) =>
            {
                foreach (var batch in plan.Batches)
                {
                    // The same body (same event ids) on every try, as the tracker re-sends.
                    var body = Payloads.Events("demo", plan.Visitor, [.. batch.Select(path => (object)new
                    {
                        id = $"e_{plan.Visitor}_{path.Trim('/').Replace('/', '_')}",
                        type = "pageview",
                        ts = Payloads.Now,
                        url = $"https://example.com{path}",
                        title = path,
                    })]);
                    for (var attempt = 0; ; attempt++)
                    {
                        token.ThrowIfCancellationRequested();
                        if (await TryCollectAsync(collect, body, plan.Ip, token))
                        {
                            break;
                        }

                        Interlocked.Increment(ref retries);
                        await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * (attempt + 1))), token);
                    }

                    plan.Accepted += batch.Length;
                    if (Interlocked.Increment(ref acceptedBatches) == killAt)
                    {
                        silo1.Kill();
                        killed.TrySetResult();
                    }
                }
            });
        await load;
        Assert.True(killed.Task.IsCompleted, "the silo was killed mid-load");
        Assert.Equal(totalBatches, acceptedBatches);

        // Every accepted page view is there, once, read back through grains now living on the survivor
        // (re-sent batches were absorbed by their event ids).
        foreach (var plan in plans)
        {
            var view = await admin.GetFromJsonAsync<JsonElement>($"/api/sites/demo/visitors/{plan.Visitor}");
            Assert.Equal(plan.Accepted, view.GetProperty("pageViews").GetInt32());
        }

        // Each company became hot once: one alert each, whichever silo its grain was on when it died.
        var received = await alerts.WaitForAsync(Companies, TimeSpan.FromSeconds(60));
        Assert.Equal(Companies, received.Select(a => a.GetProperty("company").GetProperty("id").GetString()).Distinct().Count());
        Assert.Equal(received.Count, received.Select(a => a.GetProperty("id").GetString()).Distinct().Count());

        // And after the death, a new hot company still reaches the salesperson.
        var late = new VisitorPlan("v_cluster_late_a", CompanyIp(Companies, 0), [["/pricing", "/customers/y", "/contact"]]);
        Assert.True(await TryCollectAsync(collect, Payloads.PageViews("demo", late.Visitor, late.Batches[0]), late.Ip, CancellationToken.None));
        var after = await alerts.WaitForAsync(Companies + 1, TimeSpan.FromSeconds(30));
        Assert.Equal("v_cluster_late_a", after[^1].GetProperty("visitor").GetString());
        Assert.Equal($"c{Companies}.example", after[^1].GetProperty("company").GetProperty("id").GetString());
        output.WriteLine($"{totalBatches} batches accepted, {retries} retries after the kill");
    }

    [Fact]
    public async Task TwoApiNodes_EachSalespersonGetsEveryAlertOfTheSiteExactlyOnce()
    {
        var postgres = await PostgresServer.CreateDatabaseAsync();
        using var data = new TempDirectory();
        using var silo = await ClusterNode.StartSiloAsync("silo", postgres, AdminKey, Path.Combine(data.Path, "silo"));
        using var api1 = await ClusterNode.StartApiAsync("api1", postgres, AdminKey, Path.Combine(data.Path, "api1"));
        using var api2 = await ClusterNode.StartApiAsync("api2", postgres, AdminKey, Path.Combine(data.Path, "api2"));
        using var admin = api1.Client(AdminKey);
        await PrepareAsync(admin);
        var salesKey = await CreateSalesKeyAsync(admin);
        await using var hub1 = await ConnectAsync(api1, salesKey);
        await using var hub2 = await ConnectAsync(api2, salesKey);
        var alerts1 = new AlertCollector(hub1);
        var alerts2 = new AlertCollector(hub2);
        await hub1.InvokeAsync("Subscribe", "demo", 0L);
        await hub2.InvokeAsync("Subscribe", "demo", 0L);

        // Page views arrive through both nodes, alternating, as behind a load balancer.
        using var collect1 = api1.Client();
        using var collect2 = api2.Client();
        await Parallel.ForEachAsync(Enumerable.Range(0, Companies), new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (c, token) =>
        {
            var pages = new[] { "/pricing", "/customers/x", "/contact" };
            for (var i = 0; i < pages.Length; i++)
            {
                var client = (c + i) % 2 == 0 ? collect1 : collect2;
                Assert.True(await TryCollectAsync(client, Payloads.PageViews("demo", $"v_nodes_{c:D2}_a", pages[i]), CompanyIp(c, 0), token));
            }
        });

        var on1 = await alerts1.WaitForAsync(Companies, TimeSpan.FromSeconds(60));
        var on2 = await alerts2.WaitForAsync(Companies, TimeSpan.FromSeconds(60));
        // Nothing more comes: no repeats.
        await Task.Delay(NotifierSweep);
        Assert.Equal(Companies, alerts1.Snapshot().Count);
        Assert.Equal(Companies, alerts2.Snapshot().Count);
        foreach (var received in new[] { on1, on2 })
        {
            Assert.Equal(Enumerable.Range(1, Companies).Select(i => (long)i), received.Select(a => a.GetProperty("seq").GetInt64()));
            Assert.Equal(Companies, received.Select(a => a.GetProperty("company").GetProperty("id").GetString()).Distinct().Count());
        }
    }

    [Fact]
    public async Task TwoApiNodes_ASessionMadeOnOneIsHonouredByTheOther()
    {
        var postgres = await PostgresServer.CreateDatabaseAsync();
        using var data = new TempDirectory();
        using var silo = await ClusterNode.StartSiloAsync("silo", postgres, AdminKey, Path.Combine(data.Path, "silo"));
        using var api1 = await ClusterNode.StartApiAsync("api1", postgres, AdminKey, Path.Combine(data.Path, "api1"));
        using var api2 = await ClusterNode.StartApiAsync("api2", postgres, AdminKey, Path.Combine(data.Path, "api2"));
        using var admin = api1.Client(AdminKey);
        (await admin.PostAsJsonAsync("/api/users", new { user = "erik", password = "correct horse battery", role = "sales", sites = new[] { "demo" } }))
            .EnsureSuccessStatusCode();

        var cookies = new CookieContainer();
        using var browser1 = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = api1.Address };
        Assert.Equal(HttpStatusCode.OK, (await browser1.PostAsJsonAsync("/login", new { user = "erik", password = "correct horse battery" })).StatusCode);

        // The same cookie, sent to the other node (cookies are per host name, not per port).
        using var browser2 = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = api2.Address };
        var me = await browser2.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal("erik", (await me.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("user").GetString());
    }

    [Fact]
    public async Task ErasingAContact_LeavesNothingOfThemInThePostgresStore()
    {
        var postgres = await PostgresServer.CreateDatabaseAsync();
        using var data = new TempDirectory();
        using var silo = await ClusterNode.StartSiloAsync("silo", postgres, AdminKey, Path.Combine(data.Path, "silo"));
        using var api = await ClusterNode.StartApiAsync("api", postgres, AdminKey, Path.Combine(data.Path, "api"));
        using var admin = api.Client(AdminKey);
        await PrepareAsync(admin);
        using var collect = api.Client();
        const string Email = "greta.holm@c3.example";
        foreach (var (visitor, host) in new[] { ("v_greta_holm_01", 0), ("v_greta_holm_02", 1), ("v_someone_else", 2) })
        {
            Assert.True(await TryCollectAsync(collect, Payloads.PageViews("demo", visitor, "/pricing", "/customers/x", "/contact"), CompanyIp(3, host), CancellationToken.None));
            if (visitor.StartsWith("v_greta", StringComparison.Ordinal))
            {
                var identify = Payloads.Events("demo", visitor, new { id = $"e_{Guid.NewGuid():N}", type = "identify", ts = Payloads.Now, email = Email });
                Assert.True(await TryCollectAsync(collect, identify, CompanyIp(3, host), CancellationToken.None));
            }
        }

        Assert.True(await CountInStoreAsync(postgres, "greta") > 0);
        var erased = await admin.DeleteAsync($"/api/sites/demo/contacts/{Email}");
        Assert.True(erased.IsSuccessStatusCode, await erased.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/sites/demo/visitors/v_greta_holm_01")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/sites/demo/visitors/v_greta_holm_02")).StatusCode);
        Assert.Equal(0, await CountInStoreAsync(postgres, "greta"));
        Assert.Equal(0, await CountInStoreAsync(postgres, "holm"));
        Assert.True(await CountInStoreAsync(postgres, "v_someone_else") > 0);
    }

    /// <summary>Rows of the journal tables whose stream, entry or state holds the text (UTF-8), live or dead-but-unvacuumed.</summary>
    private static async Task<long> CountInStoreAsync(string postgres, string text)
    {
        await using var connection = new Npgsql.NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("""
            SELECT (SELECT count(*) FROM vg_entry WHERE stream LIKE '%' || @text || '%' OR position(convert_to(@text, 'UTF8') in entry) > 0)
                 + (SELECT count(*) FROM vg_snapshot WHERE stream LIKE '%' || @text || '%' OR position(convert_to(@text, 'UTF8') in state) > 0)
            """, connection);
        command.Parameters.AddWithValue("text", text);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Long enough for a live-feed sweep (3 s) to have delivered anything it would.</summary>
    private static readonly TimeSpan NotifierSweep = TimeSpan.FromSeconds(4);

    private static async Task<bool> TryCollectAsync(HttpClient client, string body, string ip, CancellationToken token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/collect") { Content = new StringContent(body, Encoding.UTF8, "text/plain") };
        request.Headers.Add("X-Forwarded-For", ip);
        try
        {
            using var response = await client.SendAsync(request, token);
            if (response.StatusCode is HttpStatusCode.Accepted)
            {
                return true;
            }

            // Only the server's own trouble may be retried; anything else is the test's mistake.
            Assert.True(response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout,
                $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(token)}");
            return false;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !token.IsCancellationRequested)
        {
            return false;
        }
    }

    private static async Task<string> CreateSalesKeyAsync(HttpClient admin)
    {
        var response = await admin.PostAsJsonAsync("/api/keys", new { role = "sales", sites = new[] { "demo" }, user = "erik" });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    private static async Task<HubConnection> ConnectAsync(ClusterNode api, string key)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(api.Address!, "/hubs/prospects"), options => options.AccessTokenProvider = () => Task.FromResult<string?>(key))
            .Build();
        await connection.StartAsync();
        return connection;
    }

    private sealed class VisitorPlan(string visitor, string ip, string[][] batches)
    {
        public string Visitor { get; } = visitor;
        public string Ip { get; } = ip;
        public string[][] Batches { get; } = batches;
        public int Accepted { get; set; }
    }

    /// <summary>Every alert a SignalR client receives, kept for counting.</summary>
    private sealed class AlertCollector
    {
        private readonly ConcurrentQueue<JsonElement> _alerts = new();

        public AlertCollector(HubConnection connection) => connection.On<JsonElement>("alert", alert => _alerts.Enqueue(alert.Clone()));

        public List<JsonElement> Snapshot() => [.. _alerts];

        public async Task<List<JsonElement>> WaitForAsync(int count, TimeSpan timeout)
        {
            var until = DateTime.UtcNow + timeout;
            while (_alerts.Count < count && DateTime.UtcNow < until)
            {
                await Task.Delay(100);
            }

            Assert.True(_alerts.Count >= count, $"{_alerts.Count} alerts arrived, {count} expected");
            return Snapshot();
        }
    }
}

/// <summary>The cluster tests run one at a time: each is several processes on a 2-core machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    public const string Name = "cluster";
}
