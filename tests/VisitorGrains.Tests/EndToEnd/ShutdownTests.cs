using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VisitorGrains.Grains.Storage;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.EndToEnd;

/// <summary>
/// SIGTERM is a graceful stop: what Kestrel has begun it finishes, every grain writes its checkpoint (or, a
/// visitor with a short journal, settles what it delivered), and
/// the journal's last group commit is on disk before the file is closed.
/// </summary>
public sealed class ShutdownTests
{
    private const string AdminKey = "shutdown-admin-key";
    private const string Office = "203.0.113.9";

    [Fact]
    public async Task Sigterm_FinishesBatchesInFlight_AndLeavesNoJournalOwing()
    {
        using var data = new TempDirectory();
        var accepted = new ConcurrentDictionary<string, int>(); // page views answered 202, per visitor
        var unanswered = new ConcurrentDictionary<string, int>(); // page views of batches that failed at the client
        var otherAnswers = new ConcurrentBag<HttpStatusCode>();
        long inFlight = 0, inFlightAtSignal;
        string slowAnswer;
        using (var api = await ApiProcess.StartAsync(data.Path, AdminKey))
        {
            using var http = new HttpClient { BaseAddress = api.Address };
            using (var import = new HttpRequestMessage(HttpMethod.Post, "/api/sites/demo/accounts"))
            {
                import.Content = new StringContent("""[{"name":"Scania","domain":"scania.com","status":"customer","owner":"anna","ip_ranges":"203.0.113.0/24"}]""", Encoding.UTF8, "application/json");
                import.Headers.Authorization = new("Bearer", AdminKey);
                Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(import)).StatusCode);
            }

            // A batch the server has begun: its headers and half its body are in, the rest comes after the signal.
            var slowBody = Encoding.UTF8.GetBytes(Payloads.PageViews("demo", "v_stop_slow", "/pricing"));
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(api.Address.Host, api.Address.Port);
            using var slow = new RawHttpConnection(tcp.GetStream());
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            await slow.WriteAsync($"POST /collect HTTP/1.1\r\nHost: {api.Address.Authority}\r\nContent-Type: text/plain\r\nContent-Length: {slowBody.Length}\r\n" +
                $"X-Forwarded-For: {Office}\r\n\r\n", deadline.Token);
            await slow.WriteAsync(slowBody[..(slowBody.Length / 2)], deadline.Token);

            // Many visitors' batches at once, until the server stops taking them (bounded in count).
            var acceptedBatches = 0;
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var senders = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                using var client = new HttpClient { BaseAddress = api.Address, Timeout = TimeSpan.FromSeconds(60) };
                for (var i = 0; i < 400; i++)
                {
                    var visitor = $"v_stop_{w:D2}_{i % 10:D2}";
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/collect")
                    {
                        Content = new StringContent(Payloads.PageViews("demo", visitor, "/pricing", $"/blog/{i}"), Encoding.UTF8, "text/plain"),
                    };
                    request.Headers.Add("X-Forwarded-For", Office);
                    Interlocked.Increment(ref inFlight);
                    try
                    {
                        using var response = await client.SendAsync(request);
                        if (response.StatusCode != HttpStatusCode.Accepted)
                        {
                            otherAnswers.Add(response.StatusCode);
                            continue;
                        }

                        accepted.AddOrUpdate(visitor, 2, (_, n) => n + 2);
                        if (Interlocked.Increment(ref acceptedBatches) == 100)
                        {
                            signal.TrySetResult();
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                    {
                        // Refused or cut off while stopping: not acknowledged, so the tracker sends it again.
                        unanswered.AddOrUpdate(visitor, 2, (_, n) => n + 2);
                        return;
                    }
                    finally
                    {
                        Interlocked.Decrement(ref inFlight);
                    }
                }
            })).ToList();

            await signal.Task.WaitAsync(deadline.Token);
            inFlightAtSignal = Interlocked.Read(ref inFlight);
            await api.TerminateAsync();
            await api.ShuttingDown.WaitAsync(deadline.Token);

            // The begun batch is finished and acknowledged although the server is on its way out.
            await slow.WriteAsync(slowBody[(slowBody.Length / 2)..], deadline.Token);
            slowAnswer = (await slow.ReadAnswerAsync(deadline.Token)).Head;
            if (slowAnswer.StartsWith("HTTP/1.1 202 ", StringComparison.Ordinal))
            {
                accepted["v_stop_slow"] = 1;
            }

            await Task.WhenAll(senders).WaitAsync(deadline.Token);
            Assert.True(await api.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the API stopped by itself after SIGTERM");
        }

        Assert.StartsWith("HTTP/1.1 202 ", slowAnswer, StringComparison.Ordinal);
        Assert.Empty(otherAnswers);
        Assert.True(accepted.Values.Sum() >= 200, $"{accepted.Values.Sum()} page views acknowledged before the stop");

        // Deactivation checkpointed or settled every grain: no journal still owes anything.
        await using (var store = new SqliteJournalStore(
            Options.Create(new StorageOptions { Path = Path.Combine(data.Path, "visitorgrains.db") }), NullLogger<SqliteJournalStore>.Instance))
        {
            Assert.Empty(await store.PendingStreamsAsync());
        }

        // Everything acknowledged is there after a restart; of what failed at the client, any part may be.
        using (var api = await ApiProcess.StartAsync(data.Path, AdminKey))
        {
            using var http = new HttpClient { BaseAddress = api.Address };
            http.DefaultRequestHeaders.Authorization = new("Bearer", AdminKey);
            var counted = 0;
            var countedBy = new Dictionary<string, int>();
            foreach (var visitor in accepted.Keys.Union(unanswered.Keys))
            {
                using var response = await http.GetAsync($"/api/sites/demo/visitors/{visitor}");
                var pageViews = response.StatusCode == HttpStatusCode.NotFound
                    ? 0
                    : (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("pageViews").GetInt32();
                Assert.InRange(pageViews, accepted.GetValueOrDefault(visitor), accepted.GetValueOrDefault(visitor) + unanswered.GetValueOrDefault(visitor));
                counted += pageViews;
                countedBy[visitor] = pageViews;
            }

            var company = await http.GetFromJsonAsync<JsonElement>("/api/sites/demo/companies/scania.com");
            // The company heard of every page view its visitors hold (it lists its most recent visitors).
            var listed = company.GetProperty("visitors").EnumerateArray().ToList();
            Assert.NotEmpty(listed);
            Assert.All(listed, v => Assert.Equal(countedBy[v.GetProperty("visitor").GetString()!], v.GetProperty("pageViews").GetInt32()));
            Console.WriteLine($"shutdown: {accepted.Values.Sum()} page views acknowledged, {unanswered.Values.Sum()} failed at the client " +
                $"({inFlightAtSignal} batches in flight at SIGTERM), {counted} counted after the restart");
        }
    }
}
