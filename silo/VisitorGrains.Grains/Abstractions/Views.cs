using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Journeys;
using VisitorGrains.Domain.Scoring;

namespace VisitorGrains.Grains.Abstractions;

/// <summary>A visitor as the API shows it.</summary>
[GenerateSerializer, Immutable]
public sealed record VisitorView
{
    [Id(0)] public required string Site { get; init; }
    [Id(1)] public required string Visitor { get; init; }
    [Id(2)] public required string Stage { get; init; }
    [Id(3)] public required int Score { get; init; }
    [Id(4)] public required string Temperature { get; init; }
    [Id(5)] public required DateTimeOffset FirstSeen { get; init; }
    [Id(6)] public required DateTimeOffset LastSeen { get; init; }
    [Id(7)] public required int Sessions { get; init; }
    [Id(8)] public required int PageViews { get; init; }
    [Id(9)] public required IReadOnlyList<ScoreReason> Reasons { get; init; }
    [Id(10)] public required IReadOnlyList<JourneyView> Journey { get; init; }
    [Id(11)] public CompanyRef? Company { get; init; }
    [Id(12)] public string? Unidentified { get; init; }
    [Id(13)] public required IReadOnlyList<StageChangeView> StageHistory { get; init; }
    [Id(14)] public string? Email { get; init; }
    /// <summary>How many events the visitor's history holds, de-duplicated by event id.</summary>
    [Id(15)] public required long Events { get; init; }
    /// <summary>Where the visitor was last seen (from the City database).</summary>
    [Id(16)] public Domain.Identifying.Geo? Location { get; init; }
    /// <summary>The visitor's network truncated to /24 (IPv4) or /48 (IPv6); the address itself is never kept.</summary>
    [Id(17)] public string? Network { get; init; }
    /// <summary>Which rule decided the company, or why there is none.</summary>
    [Id(18)] public string? IdentifiedBecause { get; init; }
}

[GenerateSerializer, Immutable]
public sealed record JourneyView(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Type,
    [property: Id(2)] string? Path,
    [property: Id(3)] string? Title,
    [property: Id(4)] string? Name,
    [property: Id(5)] int Session);

[GenerateSerializer, Immutable]
public sealed record StageChangeView(
    [property: Id(0)] string From,
    [property: Id(1)] string To,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] string Reason);

/// <summary>A company as the API shows it, with its score's breakdown by signal.</summary>
[GenerateSerializer, Immutable]
public sealed record CompanyView
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Name { get; init; }
    [Id(2)] public string? Domain { get; init; }
    [Id(3)] public string? Country { get; init; }
    [Id(4)] public string? City { get; init; }
    [Id(5)] public string? Status { get; init; }
    [Id(6)] public string? Owner { get; init; }
    [Id(7)] public required int Score { get; init; }
    [Id(8)] public required string Temperature { get; init; }
    [Id(9)] public required IReadOnlyList<ScoreReason> Breakdown { get; init; }
    [Id(10)] public required IReadOnlyList<CompanyVisitorView> Visitors { get; init; }
    [Id(11)] public required IReadOnlyList<string> Pages { get; init; }
    [Id(12)] public required DateTimeOffset FirstSeen { get; init; }
    [Id(13)] public required DateTimeOffset LastSeen { get; init; }
    /// <summary>Fit with the ideal customer profile, 0–100, kept apart from the engagement score.</summary>
    [Id(14)] public int Fit { get; init; }
    [Id(15)] public IReadOnlyList<string> FitMatched { get; init; } = [];
    /// <summary>The buying committee: distinct visitors within the surge window.</summary>
    [Id(16)] public int ActiveVisitors { get; init; }
    [Id(17)] public string? Industry { get; init; }
    [Id(18)] public int? Employees { get; init; }
    [Id(19)] public IReadOnlyList<string> Products { get; init; } = [];
}

/// <summary>The outcome of a sales move: the visitor after it, or why it was refused.</summary>
[GenerateSerializer, Immutable]
public sealed record StageMoveResult([property: Id(0)] VisitorView? Visitor, [property: Id(1)] string? Problem);

[GenerateSerializer, Immutable]
public sealed record CompanyVisitorView(
    [property: Id(0)] string Visitor,
    [property: Id(1)] DateTimeOffset FirstSeen,
    [property: Id(2)] DateTimeOffset LastSeen,
    [property: Id(3)] int PageViews,
    [property: Id(4)] string Stage)
{
    /// <summary>First touch: utm_source, else the referring site, else "direct".</summary>
    [Id(5)] public string? Source { get; init; }
    /// <summary>When the visitor became a lead (or went further), and an MQL; null: not (yet).</summary>
    [Id(6)] public DateTimeOffset? LeadAt { get; init; }
    [Id(7)] public DateTimeOffset? MqlAt { get; init; }
}

/// <summary>Everything a visitor grain holds about its visitor: the profile, every recorded event, its companies and emails.</summary>
[GenerateSerializer, Immutable]
public sealed record VisitorExport
{
    [Id(0)] public required VisitorView Profile { get; init; }
    [Id(1)] public required IReadOnlyList<ExportedEvent> Events { get; init; }
    [Id(2)] public required IReadOnlyList<string> Companies { get; init; }
    [Id(3)] public required IReadOnlyList<string> Emails { get; init; }
}

/// <summary>One recorded event as the visitor's browser sent it (after validation), for an export.</summary>
[GenerateSerializer, Immutable]
public sealed record ExportedEvent(
    [property: Id(0)] string Id,
    [property: Id(1)] string Type,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] string? Url,
    [property: Id(4)] string? Referrer,
    [property: Id(5)] string? Title,
    [property: Id(6)] int EngagedMs,
    [property: Id(7)] int Scroll,
    [property: Id(8)] string? Name,
    [property: Id(9)] string? Email,
    [property: Id(10)] string? Props);

/// <summary>What is stored for an API key (never the key itself).</summary>
[GenerateSerializer, Immutable]
public sealed record ApiKeyRecord
{
    [Id(0)] public required string Role { get; init; }
    [Id(1)] public required IReadOnlyList<string> Sites { get; init; }
    [Id(2)] public string? User { get; init; }
    [Id(3)] public required DateTimeOffset CreatedAt { get; init; }
    [Id(4)] public bool Revoked { get; init; }
}

public static class Views
{
    public static string Temperature(Temperature t) => TemperatureNames.Display(t);
}
