using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using BitFaster.Caching.Lru;
using VisitorGrains.Domain.Companies;

namespace VisitorGrains.Domain.Identifying;

/// <summary>Settings of the identification chain.</summary>
public sealed record IdentifierOptions
{
    /// <summary>Addresses whose network identity is kept (bounded: least recently used go first).</summary>
    public int CacheSize { get; init; } = 200_000;
    /// <summary>How long a cached answer is trusted (databases are replaced, PTR records change).</summary>
    public TimeSpan CacheTtl { get; init; } = TimeSpan.FromHours(6);
    public TimeSpan ReverseDnsTimeout { get; init; } = TimeSpan.FromMilliseconds(300);
    /// <summary>Identify by email domain: only with the free-mail and disposable lists at hand.</summary>
    public bool EmailDomains { get; init; } = true;
}

/// <summary>
/// The identification chain (DESIGN.md), strongest first: the site's account IP ranges, the email domain
/// of an identified contact, the GeoIP2 Enterprise/ISP organization, reverse DNS, the ASN organization.
/// ISPs, mobile operators, hosting and VPN networks never name a company. What the databases say about
/// an address does not depend on the site, so it is cached per address; the site's accounts and the
/// email are applied per call. The raw address goes no further than this class: the outcome carries
/// only its truncated network.
/// </summary>
public sealed class CompanyIdentifier
{
    private static readonly IPNetwork[] PrivateNetworks =
    [
        IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("100.64.0.0/10"),
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("::/128"),
        IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"),
    ];

    private readonly INetworkDatabase? _databases;
    private readonly IReverseDns? _reverseDns;
    private readonly NetworkClassifier _classifier;
    private readonly PublicSuffixList? _suffixes;
    private readonly MailDomains _mail;
    private readonly IdentifierOptions _options;
    private readonly ConcurrentTLru<UInt128, NetworkIdentity> _cache;

    public CompanyIdentifier(INetworkDatabase? databases, IReverseDns? reverseDns, KnownNetworks known,
        PublicSuffixList? suffixes, MailDomains mail, IdentifierOptions? options = null)
    {
        _databases = databases;
        _reverseDns = reverseDns;
        _classifier = new NetworkClassifier(known);
        _suffixes = suffixes;
        _mail = mail;
        _options = options ?? new IdentifierOptions();
        _cache = new ConcurrentTLru<UInt128, NetworkIdentity>(Math.Max(16, _options.CacheSize), _options.CacheTtl);
    }

    /// <summary>Only the site's account ranges: what a site needs when no database is configured.</summary>
    public static CompanyIdentifier AccountsOnly { get; } =
        new(null, null, KnownNetworks.Empty, null, MailDomains.Empty, new IdentifierOptions { EmailDomains = false });

    public long CacheHits => _cache.Metrics.Value?.Hits ?? 0;
    public long CacheMisses => _cache.Metrics.Value?.Misses ?? 0;

    /// <summary>Identifies the company behind a request: its address, and the email of an identify event if it carries one.</summary>
    public ValueTask<Identification> IdentifyAsync(IPAddress? address, string? email, AccountDirectory accounts, CancellationToken cancellationToken = default)
    {
        if (address is null)
        {
            return ValueTask.FromResult(Decide(null, NetworkIdentity.NoAddress, email, accounts));
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var key = Key(address);
        if (_cache.TryGet(key, out var cached))
        {
            return ValueTask.FromResult(Decide(address, cached, email, accounts));
        }

        var facts = LookUp(address);
        var verdict = _classifier.Classify(facts);
        if (NeedsReverseDns(facts, verdict))
        {
            return ResolveThenDecideAsync(address, key, facts, email, accounts, cancellationToken);
        }

        var identity = Network(address, facts, verdict).Share();
        _cache.AddOrUpdate(key, identity);
        return ValueTask.FromResult(Decide(address, identity, email, accounts));
    }

    /// <summary>What the chain says about an address alone (no site, no email): for explaining and for benchmarks.</summary>
    public ValueTask<Identification> IdentifyAsync(IPAddress address, CancellationToken cancellationToken = default) =>
        IdentifyAsync(address, null, AccountDirectory.Empty, cancellationToken);

    /// <summary>The truncated network kept instead of an address: /24 for IPv4, /48 for IPv6.</summary>
    public static string Truncate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var prefix = address.AddressFamily == AddressFamily.InterNetwork ? 24 : 48;
        return new IPNetwork(Mask(address, prefix), prefix).ToString();
    }

    private async ValueTask<Identification> ResolveThenDecideAsync(IPAddress address, UInt128 key, NetworkFacts facts,
        string? email, AccountDirectory accounts, CancellationToken cancellationToken)
    {
        string? name = null;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(_options.ReverseDnsTimeout);
            try
            {
                name = await _reverseDns!.ResolveAsync(address, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Too slow: identify without it; the answer is cached like any other.
            }
        }

        var withName = name is null ? facts : facts with { ReverseName = name.TrimEnd('.').ToLowerInvariant() };
        var identity = Network(address, withName, _classifier.Classify(withName)).Share();
        _cache.AddOrUpdate(key, identity);
        return Decide(address, identity, email, accounts);
    }

    private bool NeedsReverseDns(NetworkFacts facts, NetworkVerdict verdict) =>
        _reverseDns is not null && _suffixes is not null && !verdict.NamesNobody && facts.Organization is null;

    private NetworkFacts LookUp(IPAddress address)
    {
        if (IsPrivate(address) || _databases is null)
        {
            return NetworkFacts.None;
        }

        return _databases.Lookup(address);
    }

    /// <summary>The site-independent part: where the address is and which company its network names, if any.</summary>
    private NetworkIdentity Network(IPAddress address, NetworkFacts facts, NetworkVerdict verdict)
    {
        var network = Truncate(address);
        if (IsPrivate(address))
        {
            return new NetworkIdentity(null, UnidentifiedReason.Private, "a private or loopback address", null, network);
        }

        if (verdict.NamesNobody)
        {
            return new NetworkIdentity(null, Reason(verdict.Kind), verdict.Because, facts.Location, network);
        }

        if (facts.Organization is { Length: > 0 } organization)
        {
            var confidence = verdict.Kind == NetworkKind.Business ? 0.85 : 0.7;
            var domain = _suffixes?.RegistrableDomain(facts.Domain) ?? facts.Domain?.ToLowerInvariant();
            return new NetworkIdentity(new Candidate(organization, domain, IdentificationSource.MaxMind, confidence),
                null, $"GeoIP2 organization ({verdict.Because})", facts.Location, network);
        }

        if (facts.ReverseName is { Length: > 0 } reverseName)
        {
            if (NetworkClassifier.LooksDynamic(reverseName, address))
            {
                return new NetworkIdentity(null, UnidentifiedReason.Residential,
                    $"reverse DNS name {reverseName} follows an ISP's naming for customer addresses", facts.Location, network);
            }

            if (_suffixes?.RegistrableDomain(reverseName) is { } domain)
            {
                return new NetworkIdentity(new Candidate(domain, domain, IdentificationSource.ReverseDns, 0.5),
                    null, $"reverse DNS name {reverseName}", facts.Location, network);
            }
        }

        if (facts.AsnOrganization is { Length: > 0 } asName)
        {
            return new NetworkIdentity(new Candidate(asName, null, IdentificationSource.Asn, 0.3),
                null, $"AS{facts.Asn} organization ({verdict.Because})", facts.Location, network);
        }

        return new NetworkIdentity(null, UnidentifiedReason.Unknown, "no source names a company for this network", facts.Location, network);
    }

    private Identification Decide(IPAddress? address, NetworkIdentity network, string? email, AccountDirectory accounts)
    {
        if (address is not null && accounts.FindByAddress(address) is { } account)
        {
            return Found(account.ToCompanyRef(IdentificationSource.AccountIp, 1.0, network.Location), network, "the site's account IP ranges");
        }

        var because = network.Because;
        if (_options.EmailDomains && MailDomains.DomainOf(email) is { } mailDomain)
        {
            if (_mail.PersonalKind(mailDomain) is { } personal)
            {
                because = $"{personal} domain {mailDomain} names nobody's company; {because}";
            }
            else
            {
                var domain = _suffixes?.RegistrableDomain(mailDomain) ?? mailDomain;
                return accounts.FindByDomain(domain) is { } byDomain
                    ? Found(byDomain.ToCompanyRef(IdentificationSource.Email, 0.95, network.Location), network, $"email domain {domain} is an account's")
                    : Found(NewCompany(domain, domain, IdentificationSource.Email, 0.8, network.Location), network, $"email domain {domain}");
            }
        }

        if (network.Candidate is { } candidate)
        {
            var known = (candidate.Domain is { } d ? accounts.FindByDomain(d) : null) ?? accounts.FindByName(candidate.Name);
            return Found(known?.ToCompanyRef(candidate.Source, candidate.Confidence, network.Location)
                    ?? NewCompany(candidate.Name, candidate.Domain, candidate.Source, candidate.Confidence, network.Location), network,
                known is null ? network.Because : $"{network.Because}, an account's");
        }

        return Identification.None(network.Reason ?? UnidentifiedReason.Unknown) with
        {
            Location = network.Location,
            Network = network.Network,
            Because = because,
        };
    }

    /// <summary>One company and one identification per page view: each is built once, with its source and place.</summary>
    private static Identification Found(CompanyRef company, NetworkIdentity network, string because) =>
        new(company, null)
        {
            Location = network.Location,
            Network = network.Network,
            Because = because,
        };

    private static CompanyRef NewCompany(string name, string? domain, string source, double confidence, Geo? location) => new()
    {
        Id = domain ?? CompanyIds.Slug(name),
        Name = name,
        Domain = domain,
        Source = source,
        Confidence = confidence,
        Country = location?.Country,
        Region = location?.Region,
        City = location?.City,
    };

    private static string Reason(NetworkKind kind) => kind switch
    {
        NetworkKind.Residential => UnidentifiedReason.Residential,
        NetworkKind.Mobile => UnidentifiedReason.Mobile,
        NetworkKind.Hosting => UnidentifiedReason.Hosting,
        NetworkKind.Vpn => UnidentifiedReason.Vpn,
        _ => UnidentifiedReason.Unknown,
    };

    private static bool IsPrivate(IPAddress address) => PrivateNetworks.Any(n => n.Contains(address));

    private static UInt128 Key(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes[12..], out _);
            bytes[10] = 0xff;
            bytes[11] = 0xff;
        }
        else
        {
            address.TryWriteBytes(bytes, out _);
        }

        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var bits = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xff << (8 - bits));
        }

        return new IPAddress(bytes);
    }

    private sealed record Candidate(string Name, string? Domain, string Source, double Confidence);

    private sealed record NetworkIdentity(Candidate? Candidate, string? Reason, string Because, Geo? Location, string? Network)
    {
        /// <summary>The same identity made of the shared instances many cached addresses (and the visitors there) hold alike.</summary>
        public NetworkIdentity Share() =>
            new(Shared.Value(Candidate), Shared.Text(Reason), Shared.Text(Because), Shared.Value(Location), Shared.Text(Network));

        public static NetworkIdentity NoAddress { get; } = new(null, UnidentifiedReason.Unknown, "no client address", null, null);
    }
}
