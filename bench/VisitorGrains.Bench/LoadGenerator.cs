using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace VisitorGrains.Bench;

public sealed record LoadResult(string Name, double PerSecond, double P50, double P99, double P999, long Errors)
{
    /// <summary>The server's garbage collections during the measured seconds (null: not asked, the baseline).</summary>
    public ServerSample? Server { get; init; }

    public double? AlertP50 { get; init; }
    public double? AlertP99 { get; init; }
    public int Alerts { get; init; }

    /// <summary>The seconds measured.</summary>
    public double Seconds { get; init; }
}

/// <summary>
/// Keep-alive HTTP/1.1 connections over loopback, bounded in time. Closed loop (each connection sends,
/// waits, sends the next: the maximum) or paced (requests scheduled at a fixed rate; latency counted from
/// the scheduled time, so a stalled server is not hidden by the generator waiting for it).
/// </summary>
public static class LoadGenerator
{
    public static async Task<LoadResult> RunAsync(string name, Uri address, BenchOptions options,
        Func<Random, long, (string Body, string Ip)> next, double? rate = null, AlertProbe? probe = null, double? seconds = null,
        Func<Task<ServerSample>>? sampleServer = null)
    {
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = options.Connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
        };
        using var http = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        var collect = new Uri(address, "/collect");
        var measured = seconds ?? options.Seconds;

        Console.Error.WriteLine($"{name}: {options.WarmupSeconds} s warm-up, {measured} s measured, {options.Connections} connections{(rate is { } r ? $", paced at {r:F0}/s" : "")}");
        var frequency = (double)Stopwatch.Frequency;
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(options.WarmupSeconds * frequency);
        var end = measureFrom + (long)(measured * frequency);
        long errors = 0;
        long sequence = 0;
        long scheduled = 0;
        var perWorker = new List<long>[options.Connections];
        using var probing = new CancellationTokenSource();
        var probeTask = probe is null ? Task.CompletedTask : probe.RunAsync(http, collect, measureFrom, end, probing.Token);
        var serverBefore = sampleServer is null ? null : SampleAtAsync(measureFrom, sampleServer);
        var workers = Enumerable.Range(0, options.Connections).Select(w => Task.Run(async () =>
        {
            var random = new Random(w * 7919 + Environment.TickCount);
            var latencies = perWorker[w] = new List<long>(100_000);
            while (true)
            {
                long sent;
                if (rate is { } perSecond)
                {
                    var k = Interlocked.Increment(ref scheduled);
                    sent = start + (long)(k * frequency / perSecond);
                    var wait = (sent - Stopwatch.GetTimestamp()) / frequency;
                    if (wait > 0.0005)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(wait));
                    }
                }
                else
                {
                    sent = Stopwatch.GetTimestamp();
                }

                if (sent >= end)
                {
                    return;
                }

                var (body, ip) = next(random, Interlocked.Increment(ref sequence));
                using var request = new HttpRequestMessage(HttpMethod.Post, collect) { Content = new StringContent(body, Encoding.UTF8, "text/plain") };
                request.Headers.TryAddWithoutValidation("X-Forwarded-For", ip);
                try
                {
                    using var response = await http.SendAsync(request);
                    var done = Stopwatch.GetTimestamp();
                    if (response.StatusCode != HttpStatusCode.Accepted)
                    {
                        Interlocked.Increment(ref errors);
                    }
                    else if (sent >= measureFrom && done <= end)
                    {
                        latencies.Add(done - sent);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        await probing.CancelAsync();
        await probeTask;

        var all = perWorker.SelectMany(l => l).ToArray();
        Array.Sort(all);
        double Ms(long[] sorted, double quantile) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(quantile * sorted.Length))] * 1000d / frequency;
        var result = new LoadResult(name, all.Length / measured, Ms(all, 0.50), Ms(all, 0.99), Ms(all, 0.999), errors) { Seconds = measured };
        if (serverBefore is not null)
        {
            result = result with { Server = (await sampleServer!()).Since(await serverBefore) };
        }

        if (probe is not null)
        {
            var alerts = probe.Latencies();
            result = result with { AlertP50 = Ms(alerts, 0.50), AlertP99 = Ms(alerts, 0.99), Alerts = alerts.Length };
        }

        Console.Error.WriteLine($"  {result.PerSecond:F0}/s, p50 {result.P50:F2} ms, p99 {result.P99:F2} ms, p99.9 {result.P999:F2} ms, errors {errors}" +
            (probe is null ? "" : $", alerts {result.Alerts}: p50 {result.AlertP50:F1} ms, p99 {result.AlertP99:F1} ms") +
            (result.Server is { } gc ? $", server GC: {gc.Collections} pauses, {gc.PauseMs:F0} ms in all ({gc.PauseMs / 10 / measured:F1} % of the time), {gc.AllocatedBytes / 1024d / Math.Max(1, all.Length):F1} KB allocated per page view, {gc.CatchUps} WAL catch-ups ({gc.CatchUpMs:F0} ms in all), {gc.CpuMs * 1000 / Math.Max(1, all.Length):F0} µs of server CPU per page view, {gc.Pool.WorkItems / (double)Math.Max(1, all.Length):F1} thread-pool work items per page view ({gc.Pool.Threads} pool threads at the end)" +
                (gc.StoreThreads.WriterMs is { } writer ? $", store writer {writer * 1000 / Math.Max(1, all.Length):F0} µs and WAL checkpointer {gc.StoreThreads.CheckpointerMs * 1000 / Math.Max(1, all.Length):F0} µs of CPU per page view" : "") +
                (gc.Store ? $", {gc.Written.Pages / (double)Math.Max(1, all.Length):F2} pages ({gc.Written.Pages / (double)Math.Max(1, gc.Commits):F1} per commit) and {gc.Written.Bytes / (double)Math.Max(1, all.Length):F0} bytes written per page view" : "") : ""));
        return result;
    }

    private static async Task<ServerSample> SampleAtAsync(long timestamp, Func<Task<ServerSample>> sample)
    {
        var wait = (timestamp - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency;
        if (wait > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(wait));
        }

        return await sample();
    }
}

/// <summary>
/// The server since it started (GET /api/stats): its garbage collector's pause time, collections and bytes
/// allocated; its store writer's WAL catch-ups and the time they held the writer; the CPU time its process used
/// (all threads: the cost of a page view, which a busier machine's noise moves far less than throughput); the
/// store's writes (appends, checkpoints, deletes) and the group commits that took them.
/// </summary>
public sealed record ServerSample(double PauseMs, int Collections, long AllocatedBytes, long CatchUps, double CatchUpMs, double CpuMs,
    long Writes, long Commits, bool Store)
{
    /// <summary>Work items the server's thread pool ran (each a hand-off between threads), and its threads at the sample.</summary>
    public (long WorkItems, int Threads) Pool { get; init; }

    /// <summary>The API's own ingest histogram: accepted batches timed, and those within 10 ms (null: not the API).</summary>
    public (double All, double Within10Ms)? Handled { get; init; }

    /// <summary>CPU time the store's writer and WAL checkpointer threads used (null: not known on this system).</summary>
    public (double? WriterMs, double? CheckpointerMs) StoreThreads { get; init; }

    /// <summary>Database pages the store's commits wrote (WAL frames), and the bytes of entries and snapshots they held.</summary>
    public (long Pages, long Bytes) Written { get; init; }

    /// <summary>Database pages the store's writer read in for its commits (misses in its page cache).</summary>
    public long PagesRead { get; init; }

    public ServerSample Since(ServerSample before) => new(PauseMs - before.PauseMs, Collections - before.Collections,
        AllocatedBytes - before.AllocatedBytes, CatchUps - before.CatchUps, CatchUpMs - before.CatchUpMs, CpuMs - before.CpuMs,
        Writes - before.Writes, Commits - before.Commits, Store)
    {
        Pool = (Pool.WorkItems - before.Pool.WorkItems, Pool.Threads),
        Handled = Handled is { } after && before.Handled is { } start ? (after.All - start.All, after.Within10Ms - start.Within10Ms) : null,
        StoreThreads = (StoreThreads.WriterMs - before.StoreThreads.WriterMs, StoreThreads.CheckpointerMs - before.StoreThreads.CheckpointerMs),
        Written = (Written.Pages - before.Written.Pages, Written.Bytes - before.Written.Bytes),
        PagesRead = PagesRead - before.PagesRead,
    };
}

/// <summary>
/// Alert latency: every few hundred milliseconds a probe company (an ICP account never seen before) gets
/// its first page view, which raises an icp-company alert; the time from that page view's 202 to the
/// alert reaching a SignalR client subscribed to the site is recorded.
/// </summary>
public sealed class AlertProbe(HubConnection hub, int firstProbe, TimeSpan every)
{
    private readonly ConcurrentDictionary<string, long> _accepted = new();
    private readonly ConcurrentDictionary<string, long> _received = new();

    public static async Task<AlertProbe> ConnectAsync(Uri address, string key, int firstProbe, TimeSpan every)
    {
        var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(address, "/hubs/prospects"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(key))
            .Build();
        var probe = new AlertProbe(hub, firstProbe, every);
        hub.On<JsonElement>("alert", alert =>
        {
            if (alert.GetProperty("company").GetProperty("id").GetString() is { } company && company.StartsWith("probe", StringComparison.Ordinal))
            {
                probe._received.TryAdd(company, Stopwatch.GetTimestamp());
            }
        });
        await hub.StartAsync();
        // The feed's past is replayed first; only this probe's companies count.
        await hub.InvokeAsync("Subscribe", "demo", 0L);
        return probe;
    }

    public int Sent { get; private set; }

    public async Task RunAsync(HttpClient http, Uri collect, long measureFrom, long end, CancellationToken cancellationToken)
    {
        var random = new Random(17);
        for (var p = firstProbe; Stopwatch.GetTimestamp() < end && !cancellationToken.IsCancellationRequested; p++)
        {
            try
            {
                await Task.Delay(every, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (Stopwatch.GetTimestamp() < measureFrom)
            {
                continue;
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, collect)
            {
                Content = new StringContent(Workload.Body("v_probe_", p, random, p), Encoding.UTF8, "text/plain"),
            };
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", Workload.ProbeIp(p));
            using var response = await http.SendAsync(request, CancellationToken.None);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                _accepted[$"probe{p}.example"] = Stopwatch.GetTimestamp();
                Sent++;
            }
        }

        // Let the last alerts arrive.
        await Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None);
    }

    /// <summary>202 → alert, in Stopwatch ticks, sorted; an alert that beat its 202 counts as 0.</summary>
    public long[] Latencies()
    {
        var latencies = _accepted
            .Where(a => _received.ContainsKey(a.Key))
            .Select(a => Math.Max(0, _received[a.Key] - a.Value))
            .ToArray();
        Array.Sort(latencies);
        return latencies;
    }

    public ValueTask DisposeAsync() => hub.DisposeAsync();
}
