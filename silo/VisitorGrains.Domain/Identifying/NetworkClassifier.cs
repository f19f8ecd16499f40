namespace VisitorGrains.Domain.Identifying;

/// <summary>What kind of network an address is on, and which rule said so.</summary>
public readonly record struct NetworkVerdict(NetworkKind Kind, string Because)
{
    /// <summary>Networks whose organization is not the visitor's employer: ISPs, mobile operators, hosting, VPNs.</summary>
    public bool NamesNobody => Kind is NetworkKind.Residential or NetworkKind.Mobile or NetworkKind.Hosting or NetworkKind.Vpn;
}

/// <summary>
/// Decides whether an address is on an ISP's, a mobile operator's, a hosting or a VPN network, strongest
/// evidence first: the databases' own fields (anonymous-IP flags, user type, connection type, mobile
/// network codes), then the well-known networks file, then words in the network's names as a last resort.
/// </summary>
public sealed class NetworkClassifier(KnownNetworks known)
{
    // Last resort, whole words only. Kept short: a word here marks every organization that has it.
    private static readonly (string Word, NetworkKind Kind)[] NameHints =
    [
        ("vpn", NetworkKind.Vpn), ("proxy", NetworkKind.Vpn), ("tor", NetworkKind.Vpn),
        ("mobile", NetworkKind.Mobile), ("mobil", NetworkKind.Mobile), ("wireless", NetworkKind.Mobile),
        ("cellular", NetworkKind.Mobile), ("lte", NetworkKind.Mobile), ("5g", NetworkKind.Mobile),
        ("hosting", NetworkKind.Hosting), ("cloud", NetworkKind.Hosting), ("datacenter", NetworkKind.Hosting),
        ("data center", NetworkKind.Hosting), ("colocation", NetworkKind.Hosting), ("vps", NetworkKind.Hosting),
        ("servers", NetworkKind.Hosting), ("dedicated", NetworkKind.Hosting), ("cdn", NetworkKind.Hosting),
        ("telecom", NetworkKind.Residential), ("telekom", NetworkKind.Residential), ("telecommunications", NetworkKind.Residential),
        ("telecommunication", NetworkKind.Residential), ("broadband", NetworkKind.Residential), ("cable", NetworkKind.Residential),
        ("dsl", NetworkKind.Residential), ("fiber", NetworkKind.Residential), ("fibre", NetworkKind.Residential),
        ("isp", NetworkKind.Residential), ("internet service", NetworkKind.Residential), ("internet provider", NetworkKind.Residential),
        ("telephone", NetworkKind.Residential), ("telco", NetworkKind.Residential), ("kabel", NetworkKind.Residential),
    ];

    public NetworkVerdict Classify(NetworkFacts facts)
    {
        if (facts.TorExitNode)
        {
            return new(NetworkKind.Vpn, "anonymous-IP database: Tor exit node");
        }

        if (facts.AnonymousVpn || facts.PublicProxy || facts.ResidentialProxy)
        {
            return new(NetworkKind.Vpn, facts.AnonymousVpn ? "anonymous-IP database: VPN" : "anonymous-IP database: proxy");
        }

        if (facts.HostingProvider)
        {
            return new(NetworkKind.Hosting, "anonymous-IP database: hosting provider");
        }

        if (facts.Anonymous)
        {
            return new(NetworkKind.Vpn, "anonymous-IP database: anonymous network");
        }

        if (ByUserType(facts.UserType) is { } byUserType)
        {
            return byUserType;
        }

        if (facts.MobileNetwork)
        {
            return new(NetworkKind.Mobile, "ISP database: mobile network code");
        }

        switch (facts.ConnectionType?.ToLowerInvariant())
        {
            case "cellular":
                return new(NetworkKind.Mobile, "connection type: Cellular");
            case "cable/dsl":
            case "satellite":
                return new(NetworkKind.Residential, $"connection type: {facts.ConnectionType}");
        }

        var listed = known.ByAsn(facts.Asn) ?? known.ByName(facts.Isp) ?? known.ByName(facts.Organization)
            ?? known.ByName(facts.AsnOrganization) ?? known.ByDomain(facts.Domain) ?? known.ByDomain(facts.ReverseName);
        if (listed is { } rule)
        {
            return new(rule.Kind, $"known network: {rule.Because}");
        }

        foreach (var name in (ReadOnlySpan<string?>)[facts.Isp, facts.Organization, facts.AsnOrganization])
        {
            if (Hint(name) is { } hint)
            {
                return hint;
            }
        }

        // Without a user type, an organization that is the ISP itself is the ISP's own (consumer) block.
        if (facts.Organization is { Length: > 0 } org && facts.Isp is { Length: > 0 } isp
            && NameWords.Normalise(org) == NameWords.Normalise(isp) && facts.ConnectionType is not "Corporate")
        {
            return new(NetworkKind.Residential, $"the organization is the ISP itself ({isp})");
        }

        return facts.ConnectionType is "Corporate"
            ? new(NetworkKind.Business, "connection type: Corporate")
            : new(NetworkKind.Unknown, "no evidence either way");
    }

    /// <summary>Words of a reverse-DNS name that mark an ISP's addresses for its customers.</summary>
    public static bool LooksDynamic(string reverseName, System.Net.IPAddress address)
    {
        var name = reverseName.ToLowerInvariant();
        var firstLabel = name.Split('.')[0];

        // The address itself in the name (203-0-113-5, 5.113.0.203, cpe-203-0-113-5, 0xcb007105).
        var digitRuns = 0;
        for (var i = 0; i < firstLabel.Length; i++)
        {
            if (char.IsAsciiDigit(firstLabel[i]) && (i == 0 || !char.IsAsciiDigit(firstLabel[i - 1])))
            {
                digitRuns++;
            }
        }

        if (digitRuns >= 3)
        {
            return true;
        }

        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        if (plain.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            var octets = plain.GetAddressBytes();
            if (name.Contains($"{octets[2]}-{octets[3]}", StringComparison.Ordinal)
                || name.Contains($"{octets[3]}.{octets[2]}.{octets[1]}", StringComparison.Ordinal))
            {
                return true;
            }
        }

        foreach (var token in name.Split(['.', '-', '_'], StringSplitOptions.RemoveEmptyEntries))
        {
            var word = token.TrimEnd('0', '1', '2', '3', '4', '5', '6', '7', '8', '9');
            if (word is "dyn" or "dynamic" or "dhcp" or "dsl" or "adsl" or "vdsl" or "xdsl" or "cable" or "pool" or "ppp"
                or "pppoe" or "dial" or "dialup" or "dialin" or "cust" or "customer" or "client" or "clients" or "res"
                or "resi" or "residential" or "broadband" or "bb" or "ftth" or "fttx" or "cpe" or "home" or "mobile"
                or "cell" or "lte" or "wifi" or "hsd" or "user" or "users" or "subscriber")
            {
                return true;
            }
        }

        return false;
    }

    private static NetworkVerdict? ByUserType(string? userType) => userType?.ToLowerInvariant() switch
    {
        null or "" => null,
        "residential" or "dialup" => new(NetworkKind.Residential, $"user type: {userType}"),
        "cellular" => new(NetworkKind.Mobile, $"user type: {userType}"),
        "hosting" or "content_delivery_network" or "search_engine_spider" => new(NetworkKind.Hosting, $"user type: {userType}"),
        "consumer_privacy" => new(NetworkKind.Vpn, $"user type: {userType}"),
        "business" or "government" or "military" or "school" or "college" or "library" => new(NetworkKind.Business, $"user type: {userType}"),
        // cafe, traveler, router: shared networks whose organization is not the visitor's.
        _ => new(NetworkKind.Residential, $"user type: {userType} (a shared network)"),
    };

    private static NetworkVerdict? Hint(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        var padded = $" {NameWords.Normalise(name)} ";
        foreach (var (word, kind) in NameHints)
        {
            if (padded.Contains($" {word} ", StringComparison.Ordinal))
            {
                return new(kind, $"name heuristic: '{word}' in '{name}'");
            }
        }

        return null;
    }
}
