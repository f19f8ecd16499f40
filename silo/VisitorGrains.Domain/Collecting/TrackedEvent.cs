namespace VisitorGrains.Domain.Collecting;

[GenerateSerializer]
public enum EventKind
{
    PageView,
    Engagement,
    Custom,
    Identify,
}

/// <summary>One validated, normalised event: what the grains record. Raw IPs never appear here.</summary>
[GenerateSerializer, Immutable]
public sealed record TrackedEvent
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required EventKind Kind { get; init; }
    /// <summary>Epoch milliseconds, already clamped to the server's clock when far off.</summary>
    [Id(2)] public required long At { get; init; }
    [Id(3)] public string? Url { get; init; }
    [Id(4)] public string? Path { get; init; }
    [Id(5)] public string? Referrer { get; init; }
    [Id(6)] public string? Title { get; init; }
    [Id(7)] public int EngagedMs { get; init; }
    [Id(8)] public int Scroll { get; init; }
    [Id(9)] public string? Name { get; init; }
    [Id(10)] public string? Email { get; init; }
    /// <summary>Event properties or identify traits, kept as the JSON object text the client sent.</summary>
    [Id(11)] public string? Props { get; init; }
}

/// <summary>A validated batch for one visitor of one site.</summary>
[GenerateSerializer, Immutable]
public sealed record CollectBatch
{
    [Id(0)] public required string Site { get; init; }
    [Id(1)] public required string Visitor { get; init; }
    [Id(2)] public string? Session { get; init; }
    [Id(3)] public required IReadOnlyList<TrackedEvent> Events { get; init; }
}
