using VisitorGrains.Domain.Companies;

namespace VisitorGrains.Domain.Sites;

/// <summary>One stored version of a site's rules document.</summary>
[GenerateSerializer, Immutable]
public sealed record RulesVersion(
    [property: Id(0)] int Version,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Json,
    [property: Id(3)] string? Author);

/// <summary>A site's settings, rules and accounts: what the site grain holds and every node caches.</summary>
[GenerateSerializer]
public sealed class SiteDefinition
{
    public const int MaxRulesVersions = 100;

    [Id(0)] public string Id { get; set; } = "";
    [Id(1)] public string Name { get; set; } = "";
    [Id(2)] public List<string> Origins { get; set; } = [];
    [Id(3)] public List<RulesVersion> Rules { get; set; } = [];
    [Id(4)] public List<Account> Accounts { get; set; } = [];
    /// <summary>Bumped by every change: caches compare it to know they are current.</summary>
    [Id(5)] public long Version { get; set; }
    [Id(6)] public DateTimeOffset CreatedAt { get; set; }
    public const int DefaultSlaMinutes = 60;
    public const int MaxSlaMinutes = 7 * 24 * 60;

    /// <summary>How soon sales has agreed to claim an alert (the handover SLA).</summary>
    [Id(7)] public int SlaMinutes { get; set; } = DefaultSlaMinutes;

    public const int MinRetentionDays = 1;
    public const int MaxRetentionDays = 3650;

    /// <summary>Days visitors' data is kept; null: the store-wide default (Storage:HistoryDays).</summary>
    [Id(8)] public int? RetentionDays { get; set; }

    public int RetentionDaysOr(int fallback) => RetentionDays ?? fallback;

    public RulesVersion CurrentRules => Rules[^1];
}
