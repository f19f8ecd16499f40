using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using VisitorGrains.Api.Collecting;

namespace VisitorGrains.Bench;

/// <summary>The legitimate site's side of a run: latencies of its page views and what became of them.</summary>
public sealed record SiteTally(string Name, int Sent, int Accepted, long Counted, double P50, double P99, double P999, double Max, double LateP99);

/// <summary>
/// <c>--flood</c>: the shipped per-address limits; a legitimate site sends 100 page views a second from 40
/// visitors on their own addresses, first alone, then while one abusive address floods <c>/collect</c> at
/// full speed from its own process. Prints the site's latency and losses and what the flood was answered.
/// Three processes share the machine: the server, the flood, and this one (the site).
/// </summary>
public static class FloodRun
{
    private const int Visitors = 40;
    private const double PerSecond = 100;

    public static async Task<int> RunAsync(BenchOptions options, int floodConnections)
    {
        var shipped = new RateLimitOptions();
        var variant = new ApiVariant("flood", new()
        {
            ["Storage__Synchronous"] = "Normal",
            ["RateLimits__PerIpPerSecond"] = shipped.PerIpPerSecond.ToString(CultureInfo.InvariantCulture),
            ["RateLimits__PerIpBurst"] = shipped.PerIpBurst.ToString(CultureInfo.InvariantCulture),
            ["RateLimits__RefusalDelayMs"] = (options.RefusalDelayMs ?? shipped.RefusalDelayMs).ToString(CultureInfo.InvariantCulture),
        });
        await using var api = await ServerProcess.StartApiAsync(variant);
        using var handler = new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var site = new HttpClient(handler) { BaseAddress = api.Address, Timeout = TimeSpan.FromSeconds(30) };

        // A running site: the server has compiled its path and knows its visitors; the connections are open.
        await SendAsync(site, "v_warm_", TimeSpan.FromSeconds(Math.Max(3, options.WarmupSeconds)));
        var cpuQuiet = api.ProcessorTime;
        var quiet = await SendAsync(site, "v_quiet_", TimeSpan.FromSeconds(options.Seconds));
        cpuQuiet = api.ProcessorTime - cpuQuiet;
        var gcBefore = await GcCountsAsync(api.Address);

        var flooding = new TaskCompletionSource();
        var duration = TimeSpan.FromSeconds(options.Seconds + 4);
        var flood = FloodSource.RunProcessAsync(api.Address, duration, max: 5_000_000, floodConnections, () => flooding.TrySetResult());
        await flooding.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(2)); // the flood's connections open and its code compiles
        var cpuFlooded = api.ProcessorTime;
        var during = await SendAsync(site, "v_flooded_", TimeSpan.FromSeconds(options.Seconds), "with the flood");
        cpuFlooded = api.ProcessorTime - cpuFlooded;
        var tally = await flood;
        var gcAfter = await GcCountsAsync(api.Address);

        quiet = await CountAsync(api.Address, quiet, "v_quiet_");
        during = await CountAsync(api.Address, during, "v_flooded_");
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{PerSecond:F0} page views/s from {Visitors} visitors for {options.Seconds} s; the flood: one address, {floodConnections} connections, its own process; limits {shipped.PerIpPerSecond}/s per address, burst {shipped.PerIpBurst}, refusals answered after {options.RefusalDelayMs ?? shipped.RefusalDelayMs} ms; {Environment.ProcessorCount} cores"));
        Console.WriteLine();
        Console.WriteLine("| legitimate site | sent | 202 | counted | p50 ms | p99 ms | p99.9 ms | max ms | send late p99 ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var s in new[] { quiet, during })
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {s.Name} | {s.Sent} | {s.Accepted} | {s.Counted} | {s.P50:F1} | {s.P99:F1} | {s.P999:F1} | {s.Max:F1} | {s.LateP99:F1} |"));
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Flood: {tally.Sent:N0} requests in {tally.Seconds:F1} s ({tally.Sent / tally.Seconds:F0}/s): " +
            $"{string.Join(", ", tally.Statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value:N0}"))}; Retry-After on {tally.RetryAfter:N0}; " +
            $"{tally.Failed} failed at the client. Server collections during the flood: gen0 {gcAfter[0] - gcBefore[0]}, gen1 {gcAfter[1] - gcBefore[1]}, gen2 {gcAfter[2] - gcBefore[2]}"));
        var perRequest = cpuFlooded > cpuQuiet + TimeSpan.FromSeconds(1)
            ? string.Create(CultureInfo.InvariantCulture, $"about {(cpuFlooded - cpuQuiet).TotalMicroseconds / Math.Max(1, tally.Sent * options.Seconds / tally.Seconds):F0} µs per flood request")
            : "the flood's share is within the noise";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Server CPU over the {options.Seconds} s measured: {cpuQuiet.TotalSeconds:F1} s with the site alone, {cpuFlooded.TotalSeconds:F1} s with the flood " +
            $"(of {options.Seconds * Environment.ProcessorCount} s the cores had); {perRequest}"));
        var lost = (quiet.Sent - quiet.Counted) + (during.Sent - during.Counted);
        Console.WriteLine(lost == 0 ? "Nothing of the legitimate site was lost." : $"LOST: {lost} legitimate page views.");
        return lost == 0 ? 0 : 1;
    }

    /// <summary>
    /// Open loop: each page view is sent at its time whatever the earlier ones are doing, as a site's many
    /// browsers do. Latency is from the send to the answer; how late the send itself was is kept apart.
    /// </summary>
    private static async Task<SiteTally> SendAsync(HttpClient site, string prefix, TimeSpan duration, string name = "alone")
    {
        var count = (int)(duration.TotalSeconds * PerSecond);
        var latencies = new ConcurrentBag<long>();
        var late = new ConcurrentBag<long>();
        var sends = new List<Task<HttpStatusCode>>(count);
        var frequency = (double)Stopwatch.Frequency;
        var start = Stopwatch.GetTimestamp();
        for (var n = 0; n < count; n++)
        {
            var due = start + (long)(n * frequency / PerSecond);
            var wait = (due - Stopwatch.GetTimestamp()) / frequency;
            if (wait > 0.0005)
            {
                await Task.Delay(TimeSpan.FromSeconds(wait));
            }

            var visitor = n % Visitors;
            var sequence = n;
            sends.Add(Task.Run(async () =>
            {
                var sent = Stopwatch.GetTimestamp();
                late.Add(Math.Max(0, sent - due));
                using var request = new HttpRequestMessage(HttpMethod.Post, "/collect")
                {
                    Content = new StringContent(Workload.Body(prefix, visitor, new Random(sequence), sequence), Encoding.UTF8, "text/plain"),
                };
                request.Headers.TryAddWithoutValidation("X-Forwarded-For", string.Create(CultureInfo.InvariantCulture, $"198.51.100.{10 + visitor}"));
                try
                {
                    using var response = await site.SendAsync(request);
                    latencies.Add(Stopwatch.GetTimestamp() - sent);
                    return response.StatusCode;
                }
                catch (HttpRequestException)
                {
                    return (HttpStatusCode)0;
                }
            }));
        }

        var statuses = await Task.WhenAll(sends);
        var sorted = latencies.Order().ToArray();
        var lateSorted = late.Order().ToArray();
        double Ms(long[] values, double quantile) => values.Length == 0 ? double.NaN : values[Math.Min(values.Length - 1, (int)(quantile * values.Length))] * 1000d / frequency;
        var accepted = statuses.Count(s => s == HttpStatusCode.Accepted);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{prefix}: {count} sent, {accepted} accepted, p50 {Ms(sorted, 0.5):F1} ms, p99 {Ms(sorted, 0.99):F1} ms, max {Ms(sorted, 1):F1} ms"));
        return new SiteTally(name, count, accepted, 0, Ms(sorted, 0.50), Ms(sorted, 0.99), Ms(sorted, 0.999), Ms(sorted, 1), Ms(lateSorted, 0.99));
    }

    /// <summary>Page views the server holds for the run's visitors, read back through the API.</summary>
    private static async Task<SiteTally> CountAsync(Uri address, SiteTally tally, string prefix)
    {
        using var admin = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServerProcess.AdminKey);
        long counted = 0;
        for (var v = 0; v < Visitors; v++)
        {
            using var response = await admin.GetAsync(string.Create(CultureInfo.InvariantCulture, $"/api/sites/demo/visitors/{prefix}{v:D8}"));
            if (response.IsSuccessStatusCode)
            {
                counted += (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("pageViews").GetInt32();
            }
        }

        return tally with { Counted = counted };
    }

    private static async Task<int[]> GcCountsAsync(Uri address)
    {
        using var admin = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServerProcess.AdminKey);
        var stats = await admin.GetFromJsonAsync<JsonElement>("/api/stats");
        return stats.GetProperty("gcCollections").EnumerateArray().Select(c => c.GetInt32()).ToArray();
    }
}
