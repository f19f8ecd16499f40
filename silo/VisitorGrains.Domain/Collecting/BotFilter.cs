using System.Text.RegularExpressions;
using BitFaster.Caching.Lru;

namespace VisitorGrains.Domain.Collecting;

/// <summary>
/// Tells crawlers and automated browsers from people by their user agent, with the maintained
/// crawler-user-agents patterns (lists/). Generic HTTP client libraries (curl, python-requests,
/// Go-http-client, …) are in that list too, but they are how servers send events on a site's behalf,
/// so they are let through unless configured otherwise. Answers are cached per user agent.
/// </summary>
public sealed class BotFilter
{
    /// <summary>Patterns of the crawler list that name HTTP libraries rather than crawlers.</summary>
    public static readonly IReadOnlyList<string> HttpLibraries =
    [
        "Python-urllib", "python-requests", "aiohttp", "httpx", "libwww-perl", "Go-http-client", "okhttp",
        "^Apache-HttpClient", "axios", "HttpUrlConnection", "^curl", "^PHP-Curl-Class", "node-fetch", "^HTTPie\\/",
        "CustomAsyncHttpClient", "Pcore-HTTP", "http_get",
    ];

    // The list's patterns are short literals; the timeout bounds a user agent crafted against them.
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);
    private readonly Regex? _crawlers;
    private readonly ConcurrentLru<string, bool> _answers = new(10_000);

    public BotFilter(IEnumerable<string> patterns, bool allowHttpLibraries = true)
    {
        var skip = allowHttpLibraries ? new HashSet<string>(HttpLibraries, StringComparer.Ordinal) : [];
        var usable = new List<string>();
        foreach (var pattern in patterns)
        {
            var p = pattern.Trim();
            if (p.Length == 0 || p.StartsWith('#') || skip.Contains(p))
            {
                continue;
            }

            try
            {
                _ = new Regex(p, RegexOptions.None, MatchTimeout);
                usable.Add(p);
            }
            catch (ArgumentException)
            {
                // A pattern .NET cannot read is left out rather than failing the start.
            }
        }

        Count = usable.Count;
        _crawlers = usable.Count == 0
            ? null
            : new Regex(string.Join('|', usable.Select(p => $"(?:{p})")),
                RegexOptions.IgnoreCase | RegexOptions.Compiled | RegexOptions.CultureInvariant, MatchTimeout);
        try
        {
            // The first match compiles the matcher to machine code: not on a visitor's request, not in the timeout.
            _crawlers?.IsMatch("Mozilla/5.0 (warm-up)");
        }
        catch (RegexMatchTimeoutException)
        {
        }
    }

    public static BotFilter None { get; } = new([]);

    public int Count { get; }

    public static BotFilter Load(string path, bool allowHttpLibraries = true) =>
        new(File.Exists(path) ? File.ReadLines(path) : [], allowHttpLibraries);

    /// <summary>True for a crawler or an automated browser. No user agent at all is a server, not a bot.</summary>
    public bool IsBot(string? userAgent)
    {
        if (_crawlers is null || string.IsNullOrEmpty(userAgent))
        {
            return false;
        }

        if (userAgent.Length > 512)
        {
            userAgent = userAgent[..512];
        }

        if (_answers.TryGet(userAgent, out var known))
        {
            return known;
        }

        bool bot;
        try
        {
            bot = _crawlers.IsMatch(userAgent);
        }
        catch (RegexMatchTimeoutException)
        {
            // A stalled machine, not a verdict: count the page view (losing a person's is worse) and ask again next time.
            return false;
        }

        _answers.AddOrUpdate(userAgent, bot);
        return bot;
    }
}
