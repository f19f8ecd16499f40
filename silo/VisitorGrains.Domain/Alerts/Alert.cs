using System.Text.Json.Serialization;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Scoring;

namespace VisitorGrains.Domain.Alerts;

/// <summary>The alert rules of API.md.</summary>
public static class AlertRule
{
    public const string HighIntentPage = "high-intent-page";
    public const string IcpCompany = "icp-company";
    public const string LostDealReturns = "lost-deal-returns";
    public const string CustomerNewProduct = "customer-new-product";
    public const string HotCompany = "hot-company";
    public const string Surge = "surge";
}

/// <summary>The company as an alert shows it (API.md).</summary>
[GenerateSerializer, Immutable]
public sealed record AlertCompany
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Name { get; init; }
    [Id(2)] public string? Domain { get; init; }
    [Id(3)] public string? Country { get; init; }
    [Id(4)] public string? City { get; init; }
    [Id(5)] public string? Status { get; init; }
    [Id(6)] public string? Owner { get; init; }

    public static AlertCompany From(CompanyRef company) => new()
    {
        Id = company.Id,
        Name = company.Name,
        Domain = company.Domain,
        Country = company.Country,
        City = company.City,
        Status = CrmStatusNames.Display(company.Status),
        Owner = company.Owner,
    };
}

/// <summary>A hot-prospect alert: who, how hot, and why. <see cref="Seq"/> is set by the site's feed.</summary>
[GenerateSerializer, Immutable]
public sealed record Alert
{
    [Id(0)] public long Seq { get; init; }
    [Id(1)] public required string Id { get; init; }
    [Id(2)] public required string Site { get; init; }
    [Id(3)] public required DateTimeOffset At { get; init; }
    [Id(4)] public required string Rule { get; init; }
    [Id(5)] public required AlertCompany Company { get; init; }
    [Id(6)] public string? Visitor { get; init; }
    [Id(7)] public required string Stage { get; init; }
    [Id(8)] public required string Temperature { get; init; }
    [Id(9)] public required int Score { get; init; }
    [Id(10)] public required IReadOnlyList<ScoreReason> Reasons { get; init; }
    [Id(11)] public required IReadOnlyList<string> Pages { get; init; }
    [Id(12)] public string? Assignee { get; init; }
    /// <summary>
    /// When the batch that raised it was accepted (server time): where the alert latency metric starts. Not
    /// part of the wire contract, so not in the JSON.
    /// </summary>
    [Id(13), JsonIgnore] public DateTimeOffset? AcceptedAt { get; init; }
}

public static class CrmStatusNames
{
    public static string? Display(CrmStatus status) => status switch
    {
        CrmStatus.None => null,
        CrmStatus.Customer => "customer",
        CrmStatus.LostDeal => "lost-deal",
        CrmStatus.Target => "target",
        CrmStatus.Competitor => "competitor",
        CrmStatus.Own => "own",
        _ => null,
    };

    public static bool TryParse(string? text, out CrmStatus status)
    {
        status = (text ?? "").Trim().ToLowerInvariant() switch
        {
            "" or "none" => CrmStatus.None,
            "customer" => CrmStatus.Customer,
            "lost-deal" or "lost_deal" or "lostdeal" => CrmStatus.LostDeal,
            "target" => CrmStatus.Target,
            "competitor" => CrmStatus.Competitor,
            "own" => CrmStatus.Own,
            _ => (CrmStatus)(-1),
        };
        return Enum.IsDefined(status);
    }
}
