using System.Net;
using MaxMind.Db;
using MaxMind.GeoIP2;
using VisitorGrains.Domain.Identifying;

namespace VisitorGrains.Grains.Identifying;

/// <summary>
/// Every IP database the node was given, as one <see cref="INetworkDatabase"/>: MaxMind readers (City,
/// Country, Enterprise, ISP, ASN, Connection-Type, Anonymous-IP; each told apart by its own metadata),
/// opened once, memory-mapped and shared by all requests, plus ASN range files in CSV form.
/// </summary>
public sealed class IpDatabases : INetworkDatabase, IDisposable
{
    private readonly List<DatabaseReader> _readers = [];
    private DatabaseReader? _city;
    private DatabaseReader? _country;
    private DatabaseReader? _enterprise;
    private DatabaseReader? _isp;
    private DatabaseReader? _asn;
    private DatabaseReader? _connectionType;
    private DatabaseReader? _anonymous;
    private readonly List<AsnRanges> _asnRanges = [];

    /// <summary>What was opened, one line each ("GeoLite2-City: data/ip/GeoLite2-City.mmdb"), for the start-up log.</summary>
    public List<string> Loaded { get; } = [];

    public bool IsEmpty => Loaded.Count == 0;

    /// <summary>Opens a .mmdb file and puts it where its database type says it belongs.</summary>
    public void AddMaxMind(string path)
    {
        var reader = new DatabaseReader(path, FileAccessMode.MemoryMapped);
        _readers.Add(reader);
        var type = reader.Metadata.DatabaseType;
        bool Is(string marker) => type.Contains(marker, StringComparison.OrdinalIgnoreCase);

        // Enterprise before City: an Enterprise database answers City look-ups too.
        if (Is("Enterprise")) _enterprise = reader;
        else if (Is("City")) _city = reader;
        else if (Is("Country")) _country = reader;
        else if (Is("ISP")) _isp = reader;
        else if (Is("ASN")) _asn = reader;
        else if (Is("Connection-Type")) _connectionType = reader;
        else if (Is("Anonymous-IP")) _anonymous = reader;
        else
        {
            Loaded.Add($"{type}: {path} (not a database type identification uses; ignored)");
            return;
        }

        Loaded.Add($"{type}: {path}");
    }

    public void AddAsnRanges(string path)
    {
        var ranges = AsnRanges.Load(path);
        _asnRanges.Add(ranges);
        Loaded.Add($"ASN ranges ({ranges.Count:N0}): {path}");
    }

    public NetworkFacts Lookup(IPAddress address)
    {
        var facts = NetworkFacts.None;
        if (_enterprise is not null && _enterprise.TryEnterprise(address, out var enterprise) && enterprise is not null)
        {
            var t = enterprise.Traits;
#pragma warning disable CS0618 // The Enterprise database carries the anonymity flags in traits (the web service moved them).
            facts = facts with
            {
                Location = Geo(enterprise.Country.IsoCode, enterprise.MostSpecificSubdivision.Name, enterprise.City.Name),
                Organization = t.Organization,
                Isp = t.Isp,
                Domain = t.Domain,
                UserType = t.UserType,
                ConnectionType = t.ConnectionType,
                Asn = t.AutonomousSystemNumber,
                AsnOrganization = t.AutonomousSystemOrganization,
                MobileNetwork = t.MobileNetworkCode is not null,
                Anonymous = t.IsAnonymous,
                AnonymousVpn = t.IsAnonymousVpn,
                HostingProvider = t.IsHostingProvider,
                PublicProxy = t.IsPublicProxy,
                TorExitNode = t.IsTorExitNode,
                ResidentialProxy = t.IsResidentialProxy,
            };
#pragma warning restore CS0618
        }
        else if (_city is not null && _city.TryCity(address, out var city) && city is not null)
        {
            facts = facts with { Location = Geo(city.Country.IsoCode, city.MostSpecificSubdivision.Name, city.City.Name) };
        }
        else if (_country is not null && _country.TryCountry(address, out var country) && country is not null)
        {
            facts = facts with { Location = Geo(country.Country.IsoCode, null, null) };
        }

        if (_isp is not null && _isp.TryIsp(address, out var isp) && isp is not null)
        {
            facts = facts with
            {
                Organization = facts.Organization ?? isp.Organization,
                Isp = facts.Isp ?? isp.Isp,
                Asn = facts.Asn ?? isp.AutonomousSystemNumber,
                AsnOrganization = facts.AsnOrganization ?? isp.AutonomousSystemOrganization,
                MobileNetwork = facts.MobileNetwork || isp.MobileNetworkCode is not null,
            };
        }

        if (facts.Asn is null && _asn is not null && _asn.TryAsn(address, out var asn) && asn is not null)
        {
            facts = facts with { Asn = asn.AutonomousSystemNumber, AsnOrganization = asn.AutonomousSystemOrganization };
        }

        if (facts.Asn is null)
        {
            foreach (var ranges in _asnRanges)
            {
                if (ranges.Find(address) is { } range)
                {
                    facts = facts with { Asn = range.Asn, AsnOrganization = range.Organization };
                    break;
                }
            }
        }

        if (facts.ConnectionType is null && _connectionType is not null
            && _connectionType.TryConnectionType(address, out var connection) && connection is not null)
        {
            facts = facts with { ConnectionType = connection.ConnectionType };
        }

        if (_anonymous is not null && _anonymous.TryAnonymousIP(address, out var anonymous) && anonymous is not null)
        {
            facts = facts with
            {
                Anonymous = facts.Anonymous || anonymous.IsAnonymous,
                AnonymousVpn = facts.AnonymousVpn || anonymous.IsAnonymousVpn,
                HostingProvider = facts.HostingProvider || anonymous.IsHostingProvider,
                PublicProxy = facts.PublicProxy || anonymous.IsPublicProxy,
                TorExitNode = facts.TorExitNode || anonymous.IsTorExitNode,
                ResidentialProxy = facts.ResidentialProxy || anonymous.IsResidentialProxy,
            };
        }

        return facts;
    }

    public void Dispose()
    {
        foreach (var reader in _readers)
        {
            reader.Dispose();
        }
    }

    private static Geo? Geo(string? country, string? region, string? city) =>
        country is null && region is null && city is null ? null : new Geo { Country = country, Region = region, City = city };
}
