using System.Globalization;

namespace VisitorGrains.Bench;

public sealed record ApiVariant(string Name, Dictionary<string, string> Environment)
{
    public static ApiVariant Named(string name) => name switch
    {
        "normal" => new(name, new() { ["Storage__Synchronous"] = "Normal" }),
        "full" => new(name, new() { ["Storage__Synchronous"] = "Full" }),
        "single" => new(name, new() { ["Storage__Synchronous"] = "Normal", ["Storage__MaxBatch"] = "1" }),
        _ => throw new ArgumentException($"Unknown variant '{name}': normal, full or single."),
    };

    public string Describe() => Name switch
    {
        "normal" => "durable: WAL, group commit",
        "full" => "durable to power loss: fsync per group commit",
        "single" => "no group commit: one transaction per write",
        _ => Name,
    };
}

public sealed record BenchOptions(int Seconds, int WarmupSeconds, int Connections, int Visitors, int Companies, IReadOnlyList<ApiVariant> Variants)
{
    /// <summary>Distinct visitors streamed through for the memory figure (resident visitors).</summary>
    public int Resident { get; init; } = 100_000;
    /// <summary>Distinct visitors streamed through for the scale run (0: no scale run).</summary>
    public int Scale { get; init; }
    public int ScaleMaxSeconds { get; init; } = 1800;
    /// <summary>The scale run's server collects visitors idle this long (the shipped default is 5 minutes).</summary>
    public int ScaleCollectionAgeSeconds { get; init; } = 60;
    public bool Paced { get; init; } = true;
    /// <summary>Also measure the durable floor: the bare baseline plus one journal append per page view.</summary>
    public bool Floor { get; init; } = true;
    /// <summary>After the memory figure, a dump of the server's heap counted by type, per resident visitor.</summary>
    public bool HeapProfile { get; init; }
    /// <summary>Keep-alive connections the abusive address of the flood run uses.</summary>
    public int FloodConnections { get; init; } = 8;
    /// <summary>The server's RateLimits:RefusalDelayMs for the flood run (null: as shipped).</summary>
    public int? RefusalDelayMs { get; init; }
    /// <summary>Only a paced run at this many page views a second (no maximum, no 50/90% runs): for latency experiments.</summary>
    public int? Rate { get; init; }

    public static BenchOptions Parse(string[] args)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            map[args[i].TrimStart('-')] = args[i + 1];
        }

        int Int(string name, int fallback) => map.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var variants = (map.GetValueOrDefault("variants") ?? "normal").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(ApiVariant.Named).ToList();
        return new BenchOptions(
            Math.Clamp(Int("seconds", 20), 1, 300),
            Math.Clamp(Int("warmup", 30), 0, 120),
            Math.Clamp(Int("connections", 32), 1, 512),
            Math.Clamp(Int("visitors", 20_000), 1, 10_000_000),
            Math.Clamp(Int("companies", 500), 1, 60_000),
            variants)
        {
            Resident = Math.Clamp(Int("resident", 100_000), 0, 10_000_000),
            Scale = Math.Clamp(Int("scale", 0), 0, 10_000_000),
            ScaleMaxSeconds = Math.Clamp(Int("scale-seconds", 1800), 10, 3600),
            ScaleCollectionAgeSeconds = Math.Clamp(Int("scale-collection-age", 60), 10, 3600),
            FloodConnections = Math.Clamp(Int("flood-connections", 8), 1, 512),
            RefusalDelayMs = map.ContainsKey("refusal-delay-ms") ? Math.Clamp(Int("refusal-delay-ms", 0), 0, 10_000) : null,
            Rate = map.ContainsKey("rate") ? Math.Clamp(Int("rate", 1000), 1, 1_000_000) : null,
            HeapProfile = string.Equals(map.GetValueOrDefault("heap-profile"), "true", StringComparison.OrdinalIgnoreCase),
            Paced = !string.Equals(map.GetValueOrDefault("paced"), "false", StringComparison.OrdinalIgnoreCase),
            Floor = !string.Equals(map.GetValueOrDefault("floor"), "false", StringComparison.OrdinalIgnoreCase),
        };
    }
}
