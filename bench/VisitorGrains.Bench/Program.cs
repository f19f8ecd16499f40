using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using VisitorGrains.Bench;

// dotnet run -c Release --project bench/VisitorGrains.Bench -- [--seconds 15] [--connections 32] [--visitors 20000]
//     [--variants normal,full,single] [--resident 100000] [--heap-profile false] [--scale 1000000] [--paced true]
//     [--rate 3000 (only a paced run at that rate)]
// Runs the bare baseline and the full API, each in its own process, under the same load, and prints tables.
// dotnet run -c Release --project bench/VisitorGrains.Bench -- --flood [--seconds 20] [--flood-connections 8] [--refusal-delay-ms 250]
// One abusive address at full speed beside a site's 100 page views/s: the site's latency and losses.
if (args.Length > 0 && args[0] == "baseline")
{
    await BaselineServer.RunAsync(args[1..]);
    return 0;
}

if (args.Length > 0 && args[0] == "heap-profile")
{
    // Reads a dump in a process of its own (see HeapProfile): prints the profile's lines.
    foreach (var line in HeapProfile.Read(args[1], long.Parse(args[2], CultureInfo.InvariantCulture)))
    {
        Console.WriteLine(line);
    }

    return 0;
}

if (args.Length > 0 && args[0] == "flood-source")
{
    await FloodSource.RunAsync(args[1..]);
    return 0;
}

if (args.Contains("--flood"))
{
    var flood = BenchOptions.Parse([.. args.Where(a => a != "--flood")]);
    return await FloodRun.RunAsync(flood, flood.FloodConnections);
}

var options = BenchOptions.Parse(args);
var results = new List<LoadResult>();
var memory = new List<string>();
var scale = new List<string>();
const int Probes = 5000;
// The scale run's first distinct visitors: the cost just after them is what the cost at the end is held to.
const int ScaleStart = 10_000;
await using (var baseline = await ServerProcess.StartBaselineAsync())
{
    var workload = new Workload(options.Visitors, options.Companies);
    results.Add(await LoadGenerator.RunAsync("bare baseline (read body, 202)", baseline.Address, options, workload.Next,
        sampleServer: () => ServerSampleAsync(baseline)));
    if (options.Rate is { } pacedRate)
    {
        // The load generator's and the kernel's own share of a paced run's latency, at the same rate.
        results.Add(await LoadGenerator.RunAsync($"bare baseline, paced at {pacedRate}/s", baseline.Address,
            options with { WarmupSeconds = Math.Min(options.WarmupSeconds, 3) }, workload.Next, pacedRate,
            sampleServer: () => ServerSampleAsync(baseline)));
    }
}

if (options.Floor && options.Rate is null)
{
    // What one durable write per page view costs on this machine, with nothing else of the pipeline: the
    // ceiling any durable ingest here can reach (BaselineServer).
    await using var floor = await ServerProcess.StartDurableFloorAsync();
    var workload = new Workload(options.Visitors, options.Companies);
    var floorMax = await LoadGenerator.RunAsync("durable floor (read body, one journal append, 202), max", floor.Address, options, workload.Next,
        sampleServer: () => ServerSampleAsync(floor));
    results.Add(floorMax);
    if (options.Paced)
    {
        results.Add(await LoadGenerator.RunAsync("durable floor, paced at 50% of its max", floor.Address,
            options with { WarmupSeconds = Math.Min(options.WarmupSeconds, 3) }, workload.Next, floorMax.PerSecond * 0.5,
            sampleServer: () => ServerSampleAsync(floor)));
    }
}

var firstProbe = 0;
foreach (var variant in options.Variants)
{
    await using var api = await ServerProcess.StartApiAsync(variant, data => Workload.WriteDatabase(Path.Combine(data, "ip")));
    await Workload.ImportAccountsAsync(api.Address, ServerProcess.AdminKey, options.Companies, Probes);
    var workload = new Workload(options.Visitors, options.Companies);
    if (options.Rate is { } rate)
    {
        var probe = await AlertProbe.ConnectAsync(api.Address, ServerProcess.AdminKey, firstProbe, TimeSpan.FromMilliseconds(100));
        results.Add(await LoadGenerator.RunAsync($"VisitorGrains ({variant.Name}), paced at {rate}/s", api.Address, options, workload.Next, rate, probe,
            sampleServer: () => ServerSampleAsync(api)));
        firstProbe += probe.Sent + 100;
        await probe.DisposeAsync();
        continue;
    }

    var max = await LoadGenerator.RunAsync($"VisitorGrains ({variant.Describe()}), max", api.Address, options, workload.Next,
        sampleServer: () => ServerSampleAsync(api));
    results.Add(max);
    if (options.Paced)
    {
        foreach (var share in new[] { 0.5, 0.9 })
        {
            // The maximum moves with the server's state (a few minutes in, the warm-up's visitors are let go,
            // each with a checkpoint) and with the shared machine: 90% of one measured minutes before may be all
            // of it or more by now, and the run then measures a queue. So it is measured again just before.
            var of = max;
            if (share > 0.5)
            {
                of = await LoadGenerator.RunAsync($"VisitorGrains ({variant.Name}), max again, just before", api.Address,
                    options with { WarmupSeconds = Math.Min(options.WarmupSeconds, 3) }, workload.Next, seconds: Math.Min(options.Seconds, 10),
                    sampleServer: () => ServerSampleAsync(api));
                results.Add(of);
            }

            var probe = await AlertProbe.ConnectAsync(api.Address, ServerProcess.AdminKey, firstProbe, TimeSpan.FromMilliseconds(100));
            results.Add(await LoadGenerator.RunAsync($"VisitorGrains ({variant.Name}), paced at {share:P0} of {(share > 0.5 ? "the max just before" : "max")}", api.Address,
                options with { WarmupSeconds = Math.Min(options.WarmupSeconds, 3) }, workload.Next, of.PerSecond * share, probe,
                sampleServer: () => ServerSampleAsync(api)));
            firstProbe += probe.Sent + 100;
            await probe.DisposeAsync();
        }
    }

    if (variant.Name == "normal" && options.Resident > 0)
    {
        memory.Add(await MeasureMemoryAsync(api.Address, options));
        if (options.HeapProfile)
        {
            memory.AddRange(await HeapProfile.TakeAsync(api.ProcessId, Visitors(await StatsAsync(api.Address))));
        }
    }

}

if (options.Scale > 0)
{
    // Its own server, whose visitors are collected once idle for --scale-collection-age: a stream of new
    // visitors at thousands a second would otherwise all still be resident at the end of the run.
    var variant = ApiVariant.Named("normal");
    variant.Environment["Orleans__VisitorCollectionAge"] = TimeSpan.FromSeconds(options.ScaleCollectionAgeSeconds).ToString("c", CultureInfo.InvariantCulture);
    // And a second, alike, that only ever holds the first visitors' worth: at the end the two take turns, so that
    // the cost at 1,000,000 and at 10,000 are measured side by side, in the same minute of the shared machine.
    await using var small = await ServerProcess.StartApiAsync(variant, data => Workload.WriteDatabase(Path.Combine(data, "ip")));
    await using var api = await ServerProcess.StartApiAsync(variant, data => Workload.WriteDatabase(Path.Combine(data, "ip")));
    var workload = new Workload(options.Visitors, options.Companies);
    foreach (var server in new[] { small, api })
    {
        await Workload.ImportAccountsAsync(server.Address, ServerProcess.AdminKey, options.Companies, Probes);
        await LoadGenerator.RunAsync("scale warm-up", server.Address, options with { Seconds = 5 }, workload.Next); // compiled and warm, as measured above
    }

    await StreamAsync(small.Address, options, "v_scale_", ScaleStart, _ => { });
    scale.AddRange(await ScaleAsync(api, options));
    scale.Add(await TakingTurnsAsync(small, api, options));
}

var baselineRate = results[0].PerSecond;
Console.WriteLine();
Console.WriteLine($"{options.Connections} connections, {options.Seconds} s per run after {options.WarmupSeconds} s warm-up, {options.Visitors} visitors (Zipf), {options.Companies} companies, {Environment.ProcessorCount} cores, load generator on the same machine");
Console.WriteLine();
Console.WriteLine("| run | page views/s | × baseline | p50 ms | p99 ms | p99.9 ms | alert p50 ms | alert p99 ms | non-202 | server GC pauses | KB allocated per page view | WAL catch-ups | server CPU µs per page view | of which the store's writer / WAL checkpointer threads | store writes per page view (per commit) | pages written per page view (per commit) | over 10 ms in the server |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
foreach (var r in results)
{
    var alerts = r.Alerts > 0 ? string.Create(CultureInfo.InvariantCulture, $"{r.AlertP50:F1} | {r.AlertP99:F1} (n={r.Alerts})") : "– | –";
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {r.Name} | {r.PerSecond:F0} | {r.PerSecond / baselineRate:F2} | {r.P50:F2} | {r.P99:F2} | {r.P999:F2} | {alerts} | {r.Errors} | {Pauses(r)} | {Allocated(r)} | {CatchUps(r)} | {Cpu(r)} | {StoreCpu(r)} | {Writes(r)} | {Pages(r)} | {OverTenMs(r)} |"));
}

foreach (var line in memory.Concat(scale))
{
    Console.WriteLine(line);
}

return 0;

// The share of the measured seconds the server's threads stood still for the collector, and how many pauses.
static string Pauses(LoadResult r) => r.Server is { } gc
    ? string.Create(CultureInfo.InvariantCulture, $"{gc.PauseMs / 10 / r.Seconds:F1} % ({gc.Collections}, {gc.PauseMs / Math.Max(1, gc.Collections):F0} ms each)")
    : "–";

static string Allocated(LoadResult r) => r.Server is { } gc
    ? string.Create(CultureInfo.InvariantCulture, $"{gc.AllocatedBytes / 1024d / Math.Max(1, r.PerSecond * r.Seconds):F1}")
    : "–";

// The server's CPU time (all its threads) per page view answered in the measured seconds.
static string Cpu(LoadResult r) => r.Server is { } server
    ? string.Create(CultureInfo.InvariantCulture, $"{server.CpuMs * 1000 / Math.Max(1, r.PerSecond * r.Seconds):F0}")
    : "–";

// Of that, the store's writer thread and its WAL checkpointer's thread.
static string StoreCpu(LoadResult r) => r.Server is { StoreThreads: { WriterMs: { } writer, CheckpointerMs: { } checkpointer } }
    ? string.Create(CultureInfo.InvariantCulture,
        $"{writer * 1000 / Math.Max(1, r.PerSecond * r.Seconds):F0} / {checkpointer * 1000 / Math.Max(1, r.PerSecond * r.Seconds):F0}")
    : "–";

// The store's writes per page view, and how many a group commit took on average.
static string Writes(LoadResult r) => r.Server is { Store: true } server
    ? string.Create(CultureInfo.InvariantCulture,
        $"{server.Writes / Math.Max(1, r.PerSecond * r.Seconds):F2} ({server.Writes / (double)Math.Max(1, server.Commits):F1})")
    : "–";

// The database pages the store's commits wrote per page view (each a WAL frame), and per group commit.
static string Pages(LoadResult r) => r.Server is { Store: true } server
    ? string.Create(CultureInfo.InvariantCulture,
        $"{server.Written.Pages / Math.Max(1, r.PerSecond * r.Seconds):F2} ({server.Written.Pages / (double)Math.Max(1, server.Commits):F1})")
    : "–";

// The share of accepted batches the API itself took more than 10 ms over (its own histogram, from the request
// reaching /collect to its 202): what the client's latency adds beyond it is the load generator, the kernel,
// and the time before the handler starts (a request read while the server's threads stood still, say).
static string OverTenMs(LoadResult r) => r.Server?.Handled is { All: > 0 } handled
    ? string.Create(CultureInfo.InvariantCulture, $"{100 * (1 - handled.Within10Ms / handled.All):F2} %")
    : "–";

// How often the store's writer stopped to let the WAL start again, and for how long in all.
static string CatchUps(LoadResult r) => r.Server is { Store: true } server
    ? string.Create(CultureInfo.InvariantCulture, $"{server.CatchUps} ({server.CatchUpMs:F0} ms)")
    : "–";

static async Task<ServerSample> ServerSampleAsync(ServerProcess api, JsonElement? statsRead = null)
{
    var stats = statsRead ?? await StatsAsync(api.Address, collect: false);
    var collections = stats.GetProperty("gcCollections").EnumerateArray().Select(c => c.GetInt32()).ToArray();
    // A gen1 or gen2 collection also counts as a gen0 one: gen0's count is every collection.
    // The bare baseline has no store.
    var journal = stats.GetProperty("journal");
    var store = journal.ValueKind == JsonValueKind.Object;
    long Count(string name) => store ? journal.GetProperty(name).GetInt64() : 0;
    double? ThreadMs(string name) => store && journal.TryGetProperty(name, out var ms) && ms.ValueKind == JsonValueKind.Number ? ms.GetDouble() : null;
    return new ServerSample(stats.GetProperty("gcPauseMs").GetDouble(), collections[0], stats.GetProperty("allocatedBytes").GetInt64(),
        Count("walCatchUps"), store ? journal.GetProperty("walCatchUpMs").GetDouble() : 0, api.ProcessorTime.TotalMilliseconds,
        Count("writes"), Count("commits"), store)
    {
        Pool = (stats.GetProperty("threadPool").GetProperty("completedWorkItems").GetInt64(),
            stats.GetProperty("threadPool").GetProperty("threads").GetInt32()),
        Handled = store ? await HandledWithinAsync(api.Address) : null,
        StoreThreads = (ThreadMs("writerCpuMs"), ThreadMs("checkpointerCpuMs")),
        Written = (Count("pagesWritten"), Count("appendBytes") + Count("checkpointBytes")),
        PagesRead = store && journal.TryGetProperty("pagesRead", out var read) ? read.GetInt64() : 0,
    };
}

// The API's own ingest histogram (visitorgrains.collect.duration, from the request reaching /collect to its 202):
// how many accepted batches it has timed in all, and how many within 10 ms.
static async Task<(double All, double Within10Ms)?> HandledWithinAsync(Uri address)
{
    using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServerProcess.AdminKey);
    using var response = await http.GetAsync("/metrics");
    if (!response.IsSuccessStatusCode)
    {
        return null; // the durable floor has no such endpoint
    }

    double all = 0, within = 0;
    foreach (var line in (await response.Content.ReadAsStringAsync()).Split('\n'))
    {
        if (!line.StartsWith("visitorgrains_collect_duration_milliseconds_bucket{", StringComparison.Ordinal))
        {
            continue;
        }

        var value = double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        if (line.Contains("le=\"+Inf\"", StringComparison.Ordinal))
        {
            all += value;
        }
        else if (line.Contains("le=\"10\"", StringComparison.Ordinal))
        {
            within += value;
        }
    }

    return (all, within);
}

static async Task<JsonElement> StatsAsync(Uri address, bool collect = true)
{
    using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServerProcess.AdminKey);
    return await http.GetFromJsonAsync<JsonElement>(collect ? "/api/stats?gc=true" : "/api/stats");
}

static long Visitors(JsonElement stats) => stats.GetProperty("residentVisitors").GetInt64();

// Memory per resident visitor: the heap and RSS before and after a number of new visitors' first page views.
static async Task<string> MeasureMemoryAsync(Uri address, BenchOptions options)
{
    var before = await StatsAsync(address);
    var stream = await StreamAsync(address, options, "v_resident_", options.Resident, _ => { });
    var after = await StatsAsync(address);
    var added = Visitors(after) - Visitors(before);
    var heap = after.GetProperty("managedHeapBytes").GetInt64() - before.GetProperty("managedHeapBytes").GetInt64();
    var rss = after.GetProperty("workingSetBytes").GetInt64() - before.GetProperty("workingSetBytes").GetInt64();
    return string.Create(CultureInfo.InvariantCulture,
        $"\nMemory: {options.Resident:N0} new visitors ({stream:F0} page views/s), {added:N0} more resident visitors ({Visitors(after):N0} in all): " +
        $"managed heap +{heap / 1048576d:F1} MB = {heap / (double)Math.Max(1, added):F0} B per visitor; RSS +{rss / 1048576d:F1} MB = {rss / (double)Math.Max(1, added):F0} B per visitor");
}

// A stream of distinct visitors, one page view each: the cost per page view after 10,000 and at the end,
// in the server's CPU time (what a page view costs it, whatever else the machine does) and in the rate the
// stream went at; and what stays resident (sampled every 10 s while it runs).
static async Task<List<string>> ScaleAsync(ServerProcess api, BenchOptions options)
{
    var address = api.Address;
    var lines = new List<string>
    {
        "", $"Scale: {options.Scale:N0} distinct visitors, one page view each; visitors collected after {options.ScaleCollectionAgeSeconds} s idle", "",
        "| visitors so far | page views/s (last 10,000) | server CPU µs per page view (last 10,000) | resident visitors | managed heap MB | RSS MB |", "|---:|---:|---:|---:|---:|---:|",
    };
    const int Window = 10_000;
    var printEvery = Math.Max(Window, options.Scale / 20 / Window * Window);
    var samples = new List<(long Done, double Rate, double CpuMs)>();
    var lastCpuMs = api.ProcessorTime.TotalMilliseconds;
    var resident = new List<(long Done, long Visitors, double HeapMb, double RssMb)>();
    // The server's counters every 10 s (collector, store threads, writes, pages), to say where a span's cost went.
    var counters = new List<(long Done, double Seconds, ServerSample Sample)>();
    var clock = System.Diagnostics.Stopwatch.StartNew();
    long doneSoFar = 0;
    using var stop = new CancellationTokenSource();
    var sampling = Task.Run(async () =>
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(10), stop.Token);
                var stats = await StatsAsync(address, collect: false);
                var counted = (Interlocked.Read(ref doneSoFar), clock.Elapsed.TotalSeconds, await ServerSampleAsync(api, stats));
                lock (resident)
                {
                    counters.Add(counted);
                    resident.Add((Interlocked.Read(ref doneSoFar), Visitors(stats), stats.GetProperty("managedHeapBytes").GetInt64() / 1048576d,
                        stats.GetProperty("workingSetBytes").GetInt64() / 1048576d));
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    });
    await StreamAsync(address, options, "v_scale_", options.Scale, sample =>
    {
        // The server's CPU time over the window just ended (read from /proc: cheap enough to read in the loop).
        var cpuMs = api.ProcessorTime.TotalMilliseconds;
        samples.Add((sample.Done, sample.Rate, cpuMs - lastCpuMs));
        lastCpuMs = cpuMs;
        Interlocked.Exchange(ref doneSoFar, sample.Done);
    }, Window);
    await stop.CancelAsync();
    await sampling;
    counters.Add((Interlocked.Read(ref doneSoFar), clock.Elapsed.TotalSeconds, await ServerSampleAsync(api)));
    foreach (var (done, rate, cpuMs) in samples.Where(s => s.Done == Window * 2 || s.Done % printEvery == 0))
    {
        var at = resident.Where(r => r.Done <= done).LastOrDefault();
        var cpu = cpuMs * 1000 / Window;
        lines.Add(at.Done == 0
            ? string.Create(CultureInfo.InvariantCulture, $"| {done:N0} | {rate:F0} | {cpu:F0} | | | |")
            : string.Create(CultureInfo.InvariantCulture, $"| {done:N0} | {rate:F0} | {cpu:F0} | {at.Visitors:N0} | {at.HeapMb:F0} | {at.RssMb:F0} |"));
    }

    var end = await StatsAsync(address);
    lines.Add(string.Create(CultureInfo.InvariantCulture,
        $"| end (after a full collection) | | | {Visitors(end):N0} | {end.GetProperty("managedHeapBytes").GetInt64() / 1048576d:F0} | {end.GetProperty("workingSetBytes").GetInt64() / 1048576d:F0} |"));
    if (resident.Count > 0)
    {
        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"\nMost resident visitors at any sample: {resident.Max(r => r.Visitors):N0}; largest managed heap {resident.Max(r => r.HeapMb):F0} MB, RSS {resident.Max(r => r.RssMb):F0} MB"));
    }

    if (samples.Count >= 3)
    {
        // Collection rounds make single windows jumpy: the cost is averaged over a tenth of the stream
        // (at least one window) just after the first 10,000 visitors, and over its last tenth.
        var span = Math.Max(Window, options.Scale / 10);
        static double Rate(IEnumerable<(long Done, double Rate, double CpuMs)> windows) => windows.Count() / windows.Sum(w => 1 / w.Rate);
        static double CpuUs(IEnumerable<(long Done, double Rate, double CpuMs)> windows) => windows.Sum(w => w.CpuMs) * 1000 / (windows.Count() * Window);
        var earlyWindows = samples.Where(s => s.Done > Window && s.Done <= Window + span).ToList();
        var lateWindows = samples.Where(s => s.Done > samples[^1].Done - span).ToList();
        var (early, late) = (Rate(earlyWindows), Rate(lateWindows));
        var (earlyCpu, lateCpu) = (CpuUs(earlyWindows), CpuUs(lateWindows));
        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"Cost per page view over the last {span:N0} visitors vs just after the first 10,000 (target ≤ 1.2): server CPU {lateCpu:F0} vs {earlyCpu:F0} µs = {lateCpu / earlyCpu:F2} ×; rate {late:F0}/s vs {early:F0}/s = {early / late:F2} ×"));
        lines.Add(WhereItWent(counters, Window, Window + span, samples[^1].Done - span, samples[^1].Done));
    }

    return lines;
}

// The server's counters over the sampled stretches nearest an early and a late span of the scale run, per page view.
static string WhereItWent(List<(long Done, double Seconds, ServerSample Sample)> counters, long earlyFrom, long earlyTo, long lateFrom, long lateTo)
{
    (long Done, double Seconds, ServerSample Sample)? At(long done) => counters.Where(c => c.Done >= done).Cast<(long, double, ServerSample)?>().FirstOrDefault();
    string Describe(long from, long to)
    {
        if (At(from) is not { } a || At(to) is not { } b || b.Done <= a.Done)
        {
            return "not sampled";
        }

        var d = b.Sample.Since(a.Sample);
        var views = (double)(b.Done - a.Done);
        var writer = d.StoreThreads.WriterMs is { } w ? (w * 1000 / views).ToString("F0", CultureInfo.InvariantCulture) : "?";
        var checkpointer = d.StoreThreads.CheckpointerMs is { } c ? (c * 1000 / views).ToString("F0", CultureInfo.InvariantCulture) : "?";
        return string.Create(CultureInfo.InvariantCulture,
            $"visitors {a.Done:N0}–{b.Done:N0}: server CPU {d.CpuMs * 1000 / views:F0} µs, of it writer {writer} and checkpointer {checkpointer} µs; collector {100 * d.PauseMs / 1000 / (b.Seconds - a.Seconds):F1} % of the time ({d.Collections} pauses, {d.PauseMs / Math.Max(1, d.Collections):F1} ms each), {d.AllocatedBytes / 1024d / views:F1} KB allocated; {d.Writes / views:F2} writes, {d.Written.Pages / views:F2} pages written and {d.PagesRead / views:F2} read");
    }

    return $"Per page view, early ({Describe(earlyFrom, earlyTo)}) and late ({Describe(lateFrom, lateTo)})";
}

// The cost per page view at 10,000 distinct visitors and at the end of the scale run, side by side: windows of
// new visitors alternate between the server that holds only the first ones (its 10,000 streamed before the scale
// run; a short stretch unmeasured first, as it stood idle meanwhile) and the one the scale run went through.
// Whatever else the machine does then, both have their share of it.
static async Task<string> TakingTurnsAsync(ServerProcess small, ServerProcess large, BenchOptions options)
{
    const int Turn = 25_000;
    const int Turns = 4;
    const int Unmeasured = Turn / 5;
    await StreamAsync(small.Address, options, "v_scale_", ScaleStart + Unmeasured, _ => { }, from: ScaleStart);
    // Per server (small, then large): the next visitor it gets, and the CPU time and seconds of its turns.
    var servers = new[] { small, large };
    var next = new long[] { ScaleStart + Unmeasured, options.Scale };
    var cpuMs = new double[2];
    var seconds = new double[2];
    for (var turn = 0; turn < Turns; turn++)
    {
        for (var s = 0; s < 2; s++)
        {
            var cpuBefore = servers[s].ProcessorTime.TotalMilliseconds;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await StreamAsync(servers[s].Address, options, "v_scale_", next[s] + Turn, _ => { }, from: next[s]);
            cpuMs[s] += servers[s].ProcessorTime.TotalMilliseconds - cpuBefore;
            seconds[s] += clock.Elapsed.TotalSeconds;
            next[s] += Turn;
        }
    }

    var views = (double)Turn * Turns;
    var (smallUs, largeUs) = (cpuMs[0] * 1000 / views, cpuMs[1] * 1000 / views);
    var (smallRate, largeRate) = (views / seconds[0], views / seconds[1]);
    return string.Create(CultureInfo.InvariantCulture,
        $"Side by side at the end ({Turns} turns of {Turn:N0} new visitors each, alternating): the server past {options.Scale:N0} distinct visitors (visitors {options.Scale:N0}–{next[1]:N0}) against one that holds only the first ones (visitors {ScaleStart + Unmeasured:N0}–{next[0]:N0}): " +
        $"server CPU {largeUs:F0} vs {smallUs:F0} µs per page view = {largeUs / smallUs:F2} × (target ≤ 1.2); rate {largeRate:F0}/s vs {smallRate:F0}/s = {smallRate / largeRate:F2} ×");
}

// Visitors from..until-1 of the stream, one page view each.
static async Task<double> StreamAsync(Uri address, BenchOptions options, string prefix, long until, Action<(long Done, double Rate)> sample, int window = 10_000,
    long from = 0)
{
    using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = options.Connections, UseProxy = false };
    using var http = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
    var collect = new Uri(address, "/collect");
    long next = from - 1;
    long done = 0;
    var started = System.Diagnostics.Stopwatch.StartNew();
    var windowStarted = started.Elapsed;
    var gate = new object();
    var deadline = TimeSpan.FromSeconds(options.ScaleMaxSeconds);
    await Task.WhenAll(Enumerable.Range(0, options.Connections).Select(w => Task.Run(async () =>
    {
        var random = new Random(w);
        for (var i = Interlocked.Increment(ref next); i < until && started.Elapsed < deadline; i = Interlocked.Increment(ref next))
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, collect)
            {
                Content = new StringContent(Workload.Body(prefix, (int)i, random, i), System.Text.Encoding.UTF8, "text/plain"),
            };
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", Workload.AddressOf((int)i, options.Companies));
            using var response = await http.SendAsync(request);
            var finished = Interlocked.Increment(ref done);
            if (finished % window == 0)
            {
                lock (gate)
                {
                    var now = started.Elapsed;
                    sample((finished, window / (now - windowStarted).TotalSeconds));
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {finished:N0} visitors, {window / (now - windowStarted).TotalSeconds:F0}/s"));
                    windowStarted = now;
                }
            }
        }
    })));
    return done / started.Elapsed.TotalSeconds;
}
