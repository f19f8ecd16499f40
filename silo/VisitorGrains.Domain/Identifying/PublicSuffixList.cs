namespace VisitorGrains.Domain.Identifying;

/// <summary>
/// The Public Suffix List's rules (normal, wildcard "*.x" and exception "!y.x"), answering what the
/// registrable domain of a host name is: "mail.sales.volvocars.co.uk" → "volvocars.co.uk". The list
/// itself is data from a maintained package (see lists/ in the repository), read once at start.
/// </summary>
public sealed class PublicSuffixList
{
    private readonly HashSet<string> _rules = new(StringComparer.Ordinal);
    private readonly HashSet<string> _wildcards = new(StringComparer.Ordinal);
    private readonly HashSet<string> _exceptions = new(StringComparer.Ordinal);

    public PublicSuffixList(IEnumerable<string> lines)
    {
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith("//", StringComparison.Ordinal))
            {
                continue;
            }

            // The list's format ends a rule at the first whitespace.
            var end = line.IndexOfAny([' ', '\t']);
            var rule = (end < 0 ? line : line[..end]).ToLowerInvariant();
            if (rule.StartsWith('!'))
            {
                _exceptions.Add(rule[1..]);
            }
            else if (rule.StartsWith("*.", StringComparison.Ordinal))
            {
                _wildcards.Add(rule[2..]);
            }
            else
            {
                _rules.Add(rule);
            }
        }
    }

    public int Count => _rules.Count + _wildcards.Count + _exceptions.Count;

    public static PublicSuffixList Load(string path) => new(File.ReadLines(path));

    /// <summary>The registrable domain (public suffix plus one label), or null for a bare suffix or a non-name.</summary>
    public string? RegistrableDomain(string? host)
    {
        if (string.IsNullOrWhiteSpace(host))
        {
            return null;
        }

        var name = host.Trim().TrimEnd('.').ToLowerInvariant();
        if (name.Length == 0 || name.Length > 253 || name.StartsWith('.') || name.Contains("..", StringComparison.Ordinal))
        {
            return null;
        }

        // Label start offsets, so each candidate suffix is a substring without allocating label arrays.
        Span<int> starts = stackalloc int[128];
        var count = 0;
        starts[count++] = 0;
        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] == '.')
            {
                if (count == starts.Length)
                {
                    return null;
                }

                starts[count++] = i + 1;
            }
        }

        // Longest matching rule wins; an exception rule makes its parent the suffix.
        var suffixLabels = 1;
        for (var i = 0; i < count; i++)
        {
            var candidate = name[starts[i]..];
            if (_exceptions.Contains(candidate))
            {
                suffixLabels = count - i - 1;
                break;
            }

            if (_rules.Contains(candidate) || (i + 1 < count && _wildcards.Contains(name[starts[i + 1]..])))
            {
                suffixLabels = count - i;
                break;
            }
        }

        return suffixLabels >= count ? null : name[starts[count - suffixLabels - 1]..];
    }
}
