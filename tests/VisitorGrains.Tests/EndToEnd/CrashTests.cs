using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.EndToEnd;

/// <summary>202 means durable: kill -9 the process right after the answers, and every event is there.</summary>
public sealed class CrashTests
{
    private const string AdminKey = "crash-admin-key";

    [Fact]
    public async Task KillingTheProcess_AfterAcceptedBatches_LosesNoAcceptedEvent()
    {
        using var data = new TempDirectory();
        var accepted = new Dictionary<string, int>();
        using (var api = await ApiProcess.StartAsync(data.Path, AdminKey))
        {
            using var http = new HttpClient { BaseAddress = api.Address };
            var accounts = await PostAsync(http, "/api/sites/demo/accounts",
                """[{"name":"Scania","domain":"scania.com","status":"customer","owner":"anna","ip_ranges":"203.0.113.0/24"}]""", "application/json", AdminKey);
            Assert.Equal(HttpStatusCode.OK, accounts.StatusCode);

            // Concurrent batches for many visitors: the answers come from group commits shared between them.
            await Parallel.ForEachAsync(Enumerable.Range(0, 40), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (v, _) =>
            {
                var visitor = $"v_crash_{v:D4}";
                for (var batch = 0; batch < 5; batch++)
                {
                    var body = Payloads.PageViews("demo", visitor, "/pricing", $"/blog/{batch}");
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/collect") { Content = new StringContent(body, Encoding.UTF8, "text/plain") };
                    request.Headers.Add("X-Forwarded-For", "203.0.113.9");
                    using var response = await http.SendAsync(request, CancellationToken.None);
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        lock (accepted)
                        {
                            accepted[visitor] = accepted.GetValueOrDefault(visitor) + 2;
                        }
                    }
                }
            });

            api.Kill();
        }

        Assert.Equal(200, accepted.Values.Sum() / 2);
        using (var api = await ApiProcess.StartAsync(data.Path, AdminKey))
        {
            using var http = new HttpClient { BaseAddress = api.Address };
            http.DefaultRequestHeaders.Authorization = new("Bearer", AdminKey);
            foreach (var (visitor, events) in accepted)
            {
                var view = await http.GetFromJsonAsync<JsonElement>($"/api/sites/demo/visitors/{visitor}");
                Assert.Equal(events, view.GetProperty("events").GetInt32());
                Assert.Equal(events, view.GetProperty("pageViews").GetInt32());
            }

            var company = await http.GetFromJsonAsync<JsonElement>("/api/sites/demo/companies/scania.com");
            Assert.Equal(accepted.Count, company.GetProperty("visitors").GetArrayLength());
            Assert.Equal(accepted.Values.Sum(), company.GetProperty("visitors").EnumerateArray().Sum(v => v.GetProperty("pageViews").GetInt32()));
        }
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string path, string body, string type, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, type) };
        request.Headers.Authorization = new("Bearer", key);
        return await http.SendAsync(request);
    }
}
