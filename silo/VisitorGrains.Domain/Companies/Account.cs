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

    /// <summary>The account as a visitor's company, identified by <paramref name="source"/>; where the CRM has no country, the address's place.</summary>
    public CompanyRef ToCompanyRef(string source, double confidence, Identifying.Geo? location) => new()
    {
        Id = Id,
        Name = Name,
        Domain = Domain,
        Country = Country ?? location?.Country,
        Region = location?.Region,
        City = location?.City,
        Status = Status,
        Owner = Owner,
        Industry = Industry,
        Employees = Employees,
        Revenue = Revenue,
        Products = Products,
        Source = source,
        Confidence = confidence,
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
    [Id(13)] public string? Region { get; init; }
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

/// <summary>Where a company identification came from, strongest first (DESIGN.md's chain).</summary>
public static class IdentificationSource
{
    public const string AccountIp = "account-ip";
    public const string Email = "email";
    public const string MaxMind = "maxmind";
    public const string ReverseDns = "rdns";
    public const string Asn = "asn";

    /// <summary>0 for the strongest source; unknown sources rank last.</summary>
    public static int Rank(string source) => source switch
    {
        AccountIp => 0,
        Email => 1,
        MaxMind => 2,
        ReverseDns => 3,
        Asn => 4,
        _ => 5,
    };

    /// <summary>The company a visitor belongs to after a new identification: a weaker source never replaces a stronger one.</summary>
    public static CompanyRef? Stronger(CompanyRef? incoming, CompanyRef? current) =>
        incoming is null ? current
        : current is null || Rank(incoming.Source) <= Rank(current.Source) ? incoming
        : current;
}

/// <summary>
/// The outcome of identification: a company, or why there is none (API.md's reasons), with where the
/// address is, its truncated network (/24 or /48: never the address itself), and which rule decided.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record Identification([property: Id(0)] CompanyRef? Company, [property: Id(1)] string? Unidentified)
{
    [Id(2)] public Identifying.Geo? Location { get; init; }
    [Id(3)] public string? Network { get; init; }
    [Id(4)] public string? Because { get; init; }

    public static Identification Of(CompanyRef company) => new(company, null);

    public static Identification None(string reason) => new(null, reason);
}
