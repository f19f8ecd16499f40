using System.Globalization;
using VisitorGrains.Bench;

// dotnet run -c Release --project bench/VisitorGrains.Bench -- [--seconds 10] [--connections 32] [--visitors 20000] [--variants normal,full,single]
// Runs the bare baseline and the full API, each in its own process, under the same load, and prints a table.
if (args.Length > 0 && args[0] == "baseline")
{
    await BaselineServer.RunAsync(args[1..]);
    return 0;
}

var options = BenchOptions.Parse(args);
var results = new List<LoadResult>();
await using (var baseline = await ServerProcess.StartBaselineAsync())
{
    results.Add(await LoadGenerator.RunAsync("bare baseline (read body, 202)", baseline.Address, options, accounts: null));
}

foreach (var variant in options.Variants)
{
    await using var api = await ServerProcess.StartApiAsync(variant);
    var accounts = await Workload.ImportAccountsAsync(api.Address, ServerProcess.AdminKey, options.Companies);
    results.Add(await LoadGenerator.RunAsync($"VisitorGrains ({variant.Describe()})", api.Address, options, accounts));
}

var baselineRate = results[0].PerSecond;
Console.WriteLine();
Console.WriteLine($"{options.Connections} connections, {options.Seconds} s per run after {options.WarmupSeconds} s warm-up, {options.Visitors} visitors (Zipf), {Environment.ProcessorCount} cores, load generator on the same machine");
Console.WriteLine();
Console.WriteLine("| run | page views/s | × baseline | p50 ms | p99 ms | p99.9 ms | non-202 |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
foreach (var r in results)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {r.Name} | {r.PerSecond:F0} | {r.PerSecond / baselineRate:F2} | {r.P50:F2} | {r.P99:F2} | {r.P999:F2} | {r.Errors} |"));
}

return 0;
