namespace VisitorGrains.Domain.Identifying;

/// <summary>Where an address is: from a City (or Enterprise) database.</summary>
[GenerateSerializer, Immutable]
public sealed record Geo
{
    /// <summary>ISO 3166-1 alpha-2 country code.</summary>
    [Id(0)] public string? Country { get; init; }
    [Id(1)] public string? Region { get; init; }
    [Id(2)] public string? City { get; init; }
}

/// <summary>
/// What the IP databases say about one address (any field may be missing: each database is optional).
/// The raw address is not part of it.
/// </summary>
public sealed record NetworkFacts
{
    public static NetworkFacts None { get; } = new();

    public Geo? Location { get; init; }
    /// <summary>GeoIP2 Enterprise / ISP: the organization the address is assigned to.</summary>
    public string? Organization { get; init; }
    public string? Isp { get; init; }
    /// <summary>The organization's domain (Enterprise <c>traits.domain</c>).</summary>
    public string? Domain { get; init; }
    /// <summary>GeoIP2 user type: business, residential, cellular, hosting, …</summary>
    public string? UserType { get; init; }
    /// <summary>GeoIP2 connection type: Cable/DSL, Cellular, Corporate, Satellite.</summary>
    public string? ConnectionType { get; init; }
    public long? Asn { get; init; }
    public string? AsnOrganization { get; init; }
    /// <summary>The ISP database's mobile network code: set for mobile operators' networks.</summary>
    public bool MobileNetwork { get; init; }
    public bool Anonymous { get; init; }
    public bool AnonymousVpn { get; init; }
    public bool HostingProvider { get; init; }
    public bool PublicProxy { get; init; }
    public bool TorExitNode { get; init; }
    public bool ResidentialProxy { get; init; }
    /// <summary>The name a reverse (PTR) look-up gave, when one was made.</summary>
    public string? ReverseName { get; init; }
}

/// <summary>Every source of facts about addresses: the MaxMind readers and ASN ranges.</summary>
public interface INetworkDatabase
{
    /// <summary>What the databases know about the address; never throws for an unknown address.</summary>
    NetworkFacts Lookup(System.Net.IPAddress address);
}

/// <summary>Reverse DNS: the PTR name of an address, or null (none, failed, too slow).</summary>
public interface IReverseDns
{
    ValueTask<string?> ResolveAsync(System.Net.IPAddress address, CancellationToken cancellationToken);
}
