namespace VisitorGrains.Domain.Sites;

/// <summary>
/// Which browser origins may send a site's events. An entry is an origin (<c>https://example.com</c>),
/// optionally with <c>:*</c> for any port (<c>http://localhost:*</c>) or <c>*.</c> for any subdomain.
/// </summary>
public sealed class OriginPolicy
{
    private readonly HashSet<string> _exact = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<(string Scheme, string Host, bool Subdomains)> _anyPort = [];
    private readonly List<(string Scheme, string Suffix, int Port)> _subdomains = [];

    public OriginPolicy(IEnumerable<string> origins)
    {
        foreach (var origin in origins)
        {
            if (!TryParse(origin, out var scheme, out var host, out var port, out var subdomains))
            {
                continue;
            }

            if (port is null)
            {
                _anyPort.Add((scheme, host, subdomains));
            }
            else if (subdomains)
            {
                _subdomains.Add((scheme, host, port.Value));
            }
            else
            {
                _exact.Add($"{scheme}://{host}:{port}");
            }
        }
    }

    /// <summary>Checks an entry's form; null when it is valid, else what is wrong.</summary>
    public static string? Problem(string? origin) =>
        TryParse(origin, out _, out _, out _, out _)
            ? null
            : "An origin such as https://example.com, https://*.example.com or http://localhost:* (no path).";

    public bool Allows(string origin)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.AbsolutePath.Length > 1)
        {
            return false;
        }

        var scheme = uri.Scheme;
        var host = uri.IdnHost;
        if (_exact.Contains($"{scheme}://{host}:{uri.Port}"))
        {
            return true;
        }

        foreach (var (s, h, sub) in _anyPort)
        {
            if (s == scheme && HostMatches(host, h, sub))
            {
                return true;
            }
        }

        foreach (var (s, suffix, port) in _subdomains)
        {
            if (s == scheme && port == uri.Port && HostMatches(host, suffix, true))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HostMatches(string host, string pattern, bool subdomains) =>
        string.Equals(host, pattern, StringComparison.OrdinalIgnoreCase)
        || (subdomains && host.EndsWith("." + pattern, StringComparison.OrdinalIgnoreCase));

    private static bool TryParse(string? origin, out string scheme, out string host, out int? port, out bool subdomains)
    {
        scheme = host = "";
        port = null;
        subdomains = false;
        if (string.IsNullOrWhiteSpace(origin) || origin.Length > 300)
        {
            return false;
        }

        var text = origin.Trim().TrimEnd('/');
        var anyPort = text.EndsWith(":*", StringComparison.Ordinal);
        if (anyPort)
        {
            text = text[..^2];
        }

        var wildcard = text.Contains("://*.", StringComparison.Ordinal);
        if (wildcard)
        {
            text = text.Replace("://*.", "://", StringComparison.Ordinal);
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.AbsolutePath.Length > 1 || uri.Query.Length > 0 || uri.UserInfo.Length > 0 || uri.Host.Length == 0)
        {
            return false;
        }

        scheme = uri.Scheme;
        host = uri.IdnHost;
        port = anyPort ? null : uri.Port;
        subdomains = wildcard;
        return true;
    }
}
