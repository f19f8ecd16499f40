namespace VisitorGrains.Domain.Companies;

/// <summary>What the site's CRM says about a company (the accounts import).</summary>
[GenerateSerializer]
public enum CrmStatus
{
    None,
    Customer,
    LostDeal,
    Target,
    Competitor,
    Own,
}

/// <summary>A known account of a site, as imported from CSV or JSON.</summary>
[GenerateSerializer, Immutable]
public sealed record Account
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Name { get; init; }
    [Id(2)] public string? Domain { get; init; }
    [Id(3)] public CrmStatus Status { get; init; }
    [Id(4)] public string? Owner { get; init; }
    [Id(5)] public IReadOnlyList<string> Products { get; init; } = [];
    [Id(6)] public string? Industry { get; init; }
    [Id(7)] public int? Employees { get; init; }
    [Id(8)] public decimal? Revenue { get; init; }
    [Id(9)] public string? Country { get; init; }
    [Id(10)] public IReadOnlyList<string> IpRanges { get; init; } = [];

    public CompanyRef ToCompanyRef() => new()
    {
        Id = Id,
        Name = Name,
        Domain = Domain,
        Country = Country,
        Status = Status,
        Owner = Owner,
        Industry = Industry,
        Employees = Employees,
        Revenue = Revenue,
        Products = Products,
    };
}

/// <summary>The facts about a company that travel with a visitor's events and into alerts.</summary>
[GenerateSerializer, Immutable]
public sealed record CompanyRef
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Name { get; init; }
    [Id(2)] public string? Domain { get; init; }
    [Id(3)] public string? Country { get; init; }
    [Id(4)] public string? City { get; init; }
    [Id(5)] public CrmStatus Status { get; init; }
    [Id(6)] public string? Owner { get; init; }
    /// <summary>Where the identification came from (account-ip, email, …) and how sure it is.</summary>
    [Id(7)] public string Source { get; init; } = "account-ip";
    [Id(8)] public double Confidence { get; init; } = 1.0;
    [Id(9)] public string? Industry { get; init; }
    [Id(10)] public int? Employees { get; init; }
    [Id(11)] public decimal? Revenue { get; init; }
    /// <summary>What the company has bought (from the CRM): a customer viewing another product is a signal.</summary>
    [Id(12)] public IReadOnlyList<string> Products { get; init; } = [];
}

/// <summary>Why a visitor has no company (API.md's reasons).</summary>
public static class UnidentifiedReason
{
    public const string Residential = "residential";
    public const string Mobile = "mobile";
    public const string Hosting = "hosting";
    public const string Vpn = "vpn";
    public const string Private = "private";
    public const string Unknown = "unknown";
}

/// <summary>The outcome of identification: a company, or why there is none.</summary>
[GenerateSerializer, Immutable]
public sealed record Identification([property: Id(0)] CompanyRef? Company, [property: Id(1)] string? Unidentified)
{
    public static Identification Of(CompanyRef company) => new(company, null);

    public static Identification None(string reason) => new(null, reason);
}
