using System.Diagnostics;
using System.Net;
using System.Text;

namespace VisitorGrains.Bench;

public sealed record LoadResult(string Name, double PerSecond, double P50, double P99, double P999, long Errors);

/// <summary>
/// A closed loop of keep-alive HTTP/1.1 connections over loopback, bounded in time. Each connection sends
/// one page view, waits for the answer, and sends the next; latencies after the warm-up are recorded.
/// </summary>
public static class LoadGenerator
{
    public static async Task<LoadResult> RunAsync(string name, Uri address, BenchOptions options, int? accounts)
    {
        var workload = new Workload(options.Visitors, options.Companies);
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = options.Connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
        };
        using var http = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        var collect = new Uri(address, "/collect");

        Console.Error.WriteLine($"{name}: {options.WarmupSeconds} s warm-up, {options.Seconds} s measured, {options.Connections} connections{(accounts is { } a ? $", {a} companies imported" : "")}");
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(options.WarmupSeconds * (double)Stopwatch.Frequency);
        var end = measureFrom + (long)(options.Seconds * (double)Stopwatch.Frequency);
        long errors = 0;
        long sequence = 0;
        var perWorker = new List<long>[options.Connections];
        var workers = Enumerable.Range(0, options.Connections).Select(w => Task.Run(async () =>
        {
            var random = new Random(w * 7919);
            var latencies = perWorker[w] = new List<long>(100_000);
            while (true)
            {
                var sent = Stopwatch.GetTimestamp();
                if (sent >= end)
                {
                    return;
                }

                var (body, ip) = workload.Next(random, Interlocked.Increment(ref sequence));
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

        var all = perWorker.SelectMany(l => l).ToArray();
        Array.Sort(all);
        double Ms(double quantile) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)(quantile * all.Length))] * 1000d / Stopwatch.Frequency;
        var result = new LoadResult(name, all.Length / (double)options.Seconds, Ms(0.50), Ms(0.99), Ms(0.999), errors);
        Console.Error.WriteLine($"  {result.PerSecond:F0}/s, p50 {result.P50:F2} ms, p99 {result.P99:F2} ms, errors {errors}");
        return result;
    }
}
