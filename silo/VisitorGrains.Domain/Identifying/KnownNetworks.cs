namespace VisitorGrains.Domain.Identifying;

/// <summary>The kind of network an address belongs to, as far as identification cares.</summary>
public enum NetworkKind
{
    Unknown,
    Business,
    Residential,
    Mobile,
    Hosting,
    Vpn,
}

/// <summary>
/// Well-known ISP, mobile, hosting and VPN networks, from a data file (identification/networks.txt)
/// that is easy to extend. One rule a line: <c>kind match [# note]</c>, where kind is isp, mobile,
/// hosting or vpn and match is <c>as:NUMBER</c>, <c>org:words</c> (the words appear in the organization,
/// ISP or AS name) or <c>domain:name</c> (a reverse-DNS name or company domain at or under it).
/// </summary>
public sealed class KnownNetworks
{
    private readonly Dictionary<long, Rule> _byAsn = [];
    private readonly List<Rule> _byName = [];
    private readonly Dictionary<string, Rule> _byDomain = new(StringComparer.OrdinalIgnoreCase);

    public KnownNetworks(IEnumerable<string> lines, string source = "networks.txt")
    {
        var number = 0;
        foreach (var raw in lines)
        {
            number++;
            var hash = raw.IndexOf('#', StringComparison.Ordinal);
            var line = (hash >= 0 ? raw[..hash] : raw).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var space = line.IndexOfAny([' ', '\t']);
            if (space < 0 || !TryKind(line[..space], out var kind))
            {
                throw new FormatException($"{source} line {number}: expected 'isp|mobile|hosting|vpn as:N|org:words|domain:name'.");
            }

            var match = line[space..].Trim();
            var rule = new Rule(kind, $"{source} line {number} ({match})");
            if (match.StartsWith("as:", StringComparison.OrdinalIgnoreCase) && long.TryParse(match[3..], out var asn))
            {
                _byAsn[asn] = rule;
            }
            else if (match.StartsWith("org:", StringComparison.OrdinalIgnoreCase) && NameWords.Normalise(match[4..]) is { Length: > 0 } words)
            {
                _byName.Add(rule with { Words = words });
            }
            else if (match.StartsWith("domain:", StringComparison.OrdinalIgnoreCase) && match.Length > 7)
            {
                _byDomain[match[7..].Trim().TrimEnd('.')] = rule;
            }
            else
            {
                throw new FormatException($"{source} line {number}: '{match}' is not as:N, org:words or domain:name.");
            }
        }
    }

    public static KnownNetworks Empty { get; } = new([]);

    public int Count => _byAsn.Count + _byName.Count + _byDomain.Count;

    public static KnownNetworks Load(string path) => new(File.ReadLines(path), Path.GetFileName(path));

    public (NetworkKind Kind, string Because)? ByAsn(long? asn) =>
        asn is { } n && _byAsn.TryGetValue(n, out var rule) ? (rule.Kind, rule.Because) : null;

    /// <summary>An organization name that contains a listed name as whole words.</summary>
    public (NetworkKind Kind, string Because)? ByName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        var padded = $" {NameWords.Normalise(name)} ";
        foreach (var rule in _byName)
        {
            if (padded.Contains($" {rule.Words} ", StringComparison.Ordinal))
            {
                return (rule.Kind, rule.Because);
            }
        }

        return null;
    }

    /// <summary>A host or domain at or under a listed domain.</summary>
    public (NetworkKind Kind, string Because)? ByDomain(string? host)
    {
        for (var name = host?.Trim().TrimEnd('.'); !string.IsNullOrEmpty(name);)
        {
            if (_byDomain.TryGetValue(name, out var rule))
            {
                return (rule.Kind, rule.Because);
            }

            var dot = name.IndexOf('.', StringComparison.Ordinal);
            name = dot < 0 ? null : name[(dot + 1)..];
        }

        return null;
    }

    private static bool TryKind(string text, out NetworkKind kind)
    {
        kind = text.ToLowerInvariant() switch
        {
            "isp" => NetworkKind.Residential,
            "mobile" => NetworkKind.Mobile,
            "hosting" => NetworkKind.Hosting,
            "vpn" => NetworkKind.Vpn,
            _ => NetworkKind.Unknown,
        };
        return kind != NetworkKind.Unknown;
    }

    private sealed record Rule(NetworkKind Kind, string Because)
    {
        public string Words { get; init; } = "";
    }
}

/// <summary>Organization names reduced to lower-case words, for matching names from different sources.</summary>
public static class NameWords
{
    public static string Normalise(string name)
    {
        var sb = new System.Text.StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (char.IsLetterOrDigit(c))
            {
                sb.Append(char.ToLowerInvariant(c));
            }
            else if (sb.Length > 0 && sb[^1] != ' ')
            {
                sb.Append(' ');
            }
        }

        return sb.ToString().TrimEnd();
    }
}
