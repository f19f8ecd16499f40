using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Diagnostics.Runtime;

namespace VisitorGrains.Bench;

/// <summary>
/// What a resident visitor is made of: a dump of the server's heap (the runtime's own createdump), read
/// with ClrMD, counted by type. A type with at least one object for every two resident visitors is taken to
/// be per visitor, and its bytes are divided among them, by whose type it is (Orleans', ours, the runtime's).
/// </summary>
internal static class HeapProfile
{
    public static async Task<List<string>> TakeAsync(int processId, long visitors)
    {
        var file = Path.Combine(Path.GetTempPath(), $"vg-bench-heap-{processId}.dmp");
        try
        {
            using (var dump = Process.Start(new ProcessStartInfo(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "createdump"),
                ["--withheap", "-f", file, processId.ToString(CultureInfo.InvariantCulture)]) { RedirectStandardOutput = true })!)
            {
                await dump.StandardOutput.ReadToEndAsync();
                await dump.WaitForExitAsync();
                if (dump.ExitCode != 0)
                {
                    return [$"\nHeap profile: createdump failed ({dump.ExitCode})"];
                }
            }

            // Read by a process of its own: ClrMD loads the runtime's native debugging library into the reader,
            // and a full run once died later on (a load-generator thread jumped to an unmapped address).
            using var reader = Process.Start(new ProcessStartInfo("dotnet",
                [Path.Combine(AppContext.BaseDirectory, "VisitorGrains.Bench.dll"), "heap-profile", file, visitors.ToString(CultureInfo.InvariantCulture)])
                { RedirectStandardOutput = true })!;
            var output = await reader.StandardOutput.ReadToEndAsync();
            await reader.WaitForExitAsync();
            return reader.ExitCode == 0
                ? [.. output.TrimEnd().Split('\n').Select(l => l.TrimEnd('\r'))]
                : [$"\nHeap profile: reading the dump failed ({reader.ExitCode})"];
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The profile's lines from a dump of a server with <paramref name="visitors"/> resident visitors.</summary>
    public static List<string> Read(string file, long visitors, int top = 45)
    {
        var types = new Dictionary<string, (long Count, long Bytes)>(StringComparer.Ordinal);
        using (var target = DataTarget.LoadDump(file))
        using (var runtime = target.ClrVersions[0].CreateRuntime())
        {
            foreach (var obj in runtime.Heap.EnumerateObjects())
            {
                if (obj.IsValid && obj.Type?.Name is { } name && name != "Free")
                {
                    var (count, bytes) = types.GetValueOrDefault(name);
                    types[name] = (count + 1, bytes + (long)obj.Size);
                }
            }
        }

        var perVisitor = types.Where(t => t.Value.Count * 2 >= visitors).OrderByDescending(t => t.Value.Bytes).ToList();
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture,
                $"\nHeap profile at {visitors:N0} resident visitors: {types.Values.Sum(t => t.Bytes) / 1048576d:F0} MB in all; the types with an object for every two visitors or more"),
            "| owner | bytes per visitor |", "|---|---:|",
        };
        lines.AddRange(perVisitor.GroupBy(t => Owner(t.Key)).OrderByDescending(g => g.Sum(t => t.Value.Bytes))
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"| {g.Key} | {g.Sum(t => t.Value.Bytes) / (double)visitors:F0} |")));
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"| all of these | {perVisitor.Sum(t => t.Value.Bytes) / (double)visitors:F0} |"));
        lines.AddRange(["", "| type | owner | objects per visitor | bytes per visitor |", "|---|---|---:|---:|"]);
        lines.AddRange(perVisitor.Take(top).Select(t => string.Create(CultureInfo.InvariantCulture,
            $"| `{t.Key}` | {Owner(t.Key)} | {t.Value.Count / (double)visitors:F2} | {t.Value.Bytes / (double)visitors:F0} |")));
        return lines;
    }

    // The first namespace a type's name mentions, its own or its type arguments': a dictionary of Orleans'
    // keys is Orleans', a list of our journey steps ours.
    private static string Owner(string type) =>
        new[] { ("VisitorGrains.", "VisitorGrains"), ("Orleans.", "Orleans"), ("Microsoft.Extensions.DependencyInjection.", "Orleans (a DI scope per activation)"), ("RateLimiting.", "rate limits (per address)"), ("BitFaster.", "identification cache (per address)") }
            .Select(o => (Name: o.Item2, At: type.IndexOf(o.Item1, StringComparison.Ordinal)))
            .Where(o => o.At >= 0).OrderBy(o => o.At).Select(o => o.Name).FirstOrDefault() ?? "runtime (strings, arrays, locks)";
}
