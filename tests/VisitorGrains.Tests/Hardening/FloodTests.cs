using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using VisitorGrains.Api.Collecting;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.Hardening;

/// <summary>
/// One abusive source at full speed beside a legitimate site's steady traffic, bounded in count and time,
/// on loopback: the abuser is answered 429 with Retry-After, the legitimate page views are all accepted
/// and all counted. (Latency under the flood is a benchmark's business, <c>--flood</c> in bench/; this
/// test prints it.)
/// </summary>
public sealed class FloodTests
{
    private const string Abuser = "203.0.113.66";

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string body, string ip)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/collect") { Content = new StringContent(body, Encoding.UTF8, "text/plain") };
        request.Headers.Add("X-Forwarded-For", ip);
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task AnAbusiveSource_IsThrottled_WhileALegitimateSiteLosesNothing()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path);
        using var site = host.Client();

        // The legitimate path once before the flood, as a running server has it: compiled, grains known.
        for (var visitor = 0; visitor < 40; visitor++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(site, Payloads.PageViews("demo", $"v_legit_{visitor:D6}", "/warm-up"), $"198.51.100.{10 + visitor}")).StatusCode);
        }

        using var flood = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var statuses = new ConcurrentDictionary<HttpStatusCode, int>();
        var retryAfterSeen = 0;
        long floodSent = 0;
        var floodClock = Stopwatch.StartNew();

        var abusers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            using var client = host.Client();
            for (var i = 0; i < 5_000 && !flood.IsCancellationRequested; i++)
            {
                Interlocked.Increment(ref floodSent);
                using var request = new HttpRequestMessage(HttpMethod.Post, "/collect")
                {
                    Content = new StringContent(Payloads.PageViews("demo", $"v_flood_{w:D4}_{i % 50:D4}", "/pricing"), Encoding.UTF8, "text/plain"),
                };
                request.Headers.Add("X-Forwarded-For", Abuser);
                try
                {
                    using var response = await client.SendAsync(request, flood.Token);
                    statuses.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
                    if (response.StatusCode == HttpStatusCode.TooManyRequests && response.Headers.RetryAfter is not null)
                    {
                        Interlocked.Exchange(ref retryAfterSeen, 1);
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        })).ToList();

        // The legitimate site: 100 page views a second for 4 s, from 40 visitors on their own addresses.
        var latencies = new ConcurrentBag<double>();
        var legit = new List<Task<HttpStatusCode>>();
        var started = Stopwatch.StartNew();
        for (var n = 0; n < 400; n++)
        {
            // Read once: read twice, the clock can pass the due time in between and the wait turn negative.
            var wait = TimeSpan.FromMilliseconds(n * 10) - started.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            var visitor = n % 40;
            legit.Add(Task.Run(async () =>
            {
                var sent = Stopwatch.GetTimestamp();
                using var response = await SendAsync(site, Payloads.PageViews("demo", $"v_legit_{visitor:D6}", $"/page-{n}"), $"198.51.100.{10 + visitor}");
                latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                return response.StatusCode;
            }));
        }

        var legitStatuses = await Task.WhenAll(legit);
        await flood.CancelAsync();
        await Task.WhenAll(abusers);
        floodClock.Stop();

        Assert.All(legitStatuses, s => Assert.Equal(HttpStatusCode.Accepted, s));
        // The abuser got its burst and its sustained rate through, and no more (shipped limits: 300, then 20/s).
        var limits = new RateLimitOptions();
        var floodAnswers = string.Join(", ", statuses.Select(s => $"{(int)s.Key}×{s.Value}"));
        Assert.True(statuses.GetValueOrDefault(HttpStatusCode.TooManyRequests) > 0, $"the abuser was throttled: {floodAnswers}");
        Assert.True(statuses.GetValueOrDefault(HttpStatusCode.Accepted) <= limits.PerIpBurst + limits.PerIpPerSecond * (floodClock.Elapsed.TotalSeconds + 1),
            $"the abuser got no more than its limit through in {floodClock.Elapsed.TotalSeconds:F1} s: {floodAnswers}");
        Assert.Equal(1, retryAfterSeen);
        Assert.DoesNotContain(statuses.Keys, s => (int)s >= 500);

        // Nothing of the legitimate traffic was lost: every page view is in its visitor.
        var counted = 0L;
        for (var visitor = 0; visitor < 40; visitor++)
        {
            var view = await Eventually.GetAsync(
                () => host.Admin.GetFromJsonAsync<JsonElement>($"/api/sites/demo/visitors/v_legit_{visitor:D6}"),
                v => v.GetProperty("pageViews").GetInt32() == 11);
            counted += view.GetProperty("pageViews").GetInt32();
        }

        Assert.Equal(440, counted); // 40 warm-up page views and the 400 sent during the flood
        var sorted = latencies.Order().ToArray();
        Console.WriteLine($"flood: {floodSent} abusive requests ({string.Join(", ", statuses.Select(s => $"{(int)s.Key}×{s.Value}"))}); " +
            $"legitimate p50 {sorted[sorted.Length / 2]:F1} ms, p99 {sorted[(int)(sorted.Length * 0.99)]:F1} ms");
    }

    [Fact]
    public async Task AnAddressOverItsLimit_IsRefusedWithoutItsBodyBeingRead_WithProblemDetailsAndRetryAfter()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path, new Dictionary<string, string?>
        {
            ["RateLimits:PerIpPerSecond"] = "1",
            ["RateLimits:PerIpBurst"] = "1",
        });

        // Expect: 100-continue: the server asks for the body only if it means to read it. A refusal comes
        // without that question. (A token may come back between two requests; then the batch goes through
        // and the address tries again.)
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(host.Address.Host, host.Address.Port);
        using var connection = new RawHttpConnection(tcp.GetStream());
        using var reading = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        (string Head, string Body)? refused = null;
        for (var attempt = 0; attempt < 20 && refused is null; attempt++)
        {
            var body = Encoding.UTF8.GetBytes(Payloads.PageViews("demo", "v_eager_0001", $"/{attempt}"));
            await connection.WriteAsync($"POST /collect HTTP/1.1\r\nHost: {host.Address.Authority}\r\nContent-Type: text/plain\r\n" +
                $"Content-Length: {body.Length}\r\nExpect: 100-continue\r\nX-Forwarded-For: {Abuser}\r\nOrigin: http://localhost:3000\r\n\r\n", reading.Token);
            var answer = await connection.ReadAnswerAsync(reading.Token);
            if (answer.Head.StartsWith("HTTP/1.1 100 ", StringComparison.Ordinal))
            {
                await connection.WriteAsync(body, reading.Token);
                Assert.StartsWith("HTTP/1.1 202 ", (await connection.ReadAnswerAsync(reading.Token)).Head, StringComparison.Ordinal);
                continue;
            }

            refused = answer;
        }

        Assert.NotNull(refused);
        var (head, problemBody) = refused.Value;
        Assert.StartsWith("HTTP/1.1 429 ", head, StringComparison.Ordinal);
        Assert.Contains("\r\nRetry-After: 1\r\n", head, StringComparison.Ordinal);
        Assert.Contains("\r\nContent-Type: application/problem+json\r\n", head, StringComparison.Ordinal);
        Assert.Contains("\r\nAccess-Control-Allow-Origin: http://localhost:3000\r\n", head, StringComparison.Ordinal);
        Assert.Contains("\r\nX-Content-Type-Options: nosniff\r\n", head, StringComparison.Ordinal);
        using var problem = JsonDocument.Parse(problemBody);
        Assert.Equal(429, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("Too Many Requests", problem.RootElement.GetProperty("title").GetString());
        Assert.Equal("Too many requests from this address.", problem.RootElement.GetProperty("detail").GetString());
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("traceId").GetString()));

        // Another address is not held up by it.
        Assert.Equal(HttpStatusCode.Accepted, (await host.CollectAsync(Payloads.PageViews("demo", "v_patient_01", "/"), "198.51.100.200")).StatusCode);
    }
}
