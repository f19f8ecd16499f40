using System.Text.RegularExpressions;

namespace VisitorGrains.Domain.Scoring;

/// <summary>One page rule compiled: an exact path, a prefix, or a regex (globs become regexes).</summary>
internal sealed class PageMatcher
{
    // NonBacktracking regexes match in time linear in the path (at most 2048 characters), so no match
    // timeout is needed; a timeout would only drop signals on a busy machine (first matches build the
    // automaton lazily).
    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking;

    private readonly string? _prefix;
    private readonly Regex? _regex;

    private PageMatcher(PageSignalRule rule, string? exact, string? prefix, Regex? regex, string requiredPrefix)
    {
        Rule = rule;
        Exact = exact;
        _prefix = prefix;
        _regex = regex;
        RequiredPrefix = requiredPrefix;
    }

    public PageSignalRule Rule { get; }

    /// <summary>The path of an exact rule (no trailing slash), else null.</summary>
    public string? Exact { get; }

    /// <summary>What every path this rule matches starts with (ignoring case); may be empty.</summary>
    public string RequiredPrefix { get; }

    public static (PageMatcher? Matcher, string? Problem) Create(PageSignalRule rule)
    {
        var match = rule.Match ?? "";
        if (match.Length is 0 or > 500)
        {
            return (null, "Required: a path, glob or 're:' regex of at most 500 characters.");
        }

        if (match.StartsWith("re:", StringComparison.Ordinal))
        {
            try
            {
                var pattern = match[3..];
                var regex = new Regex(pattern, Options);
                return (new PageMatcher(rule, null, null, regex, LiteralStart(pattern)), null);
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
            {
                return (null, $"Not a usable regex: {ex.Message}");
            }
        }

        if (match[0] != '/')
        {
            return (null, "A path or glob must start with '/' (or use 're:' for a regex).");
        }

        var wildcard = match.IndexOfAny(['*', '?']);
        if (wildcard < 0)
        {
            var exact = Trim(match);
            return (new PageMatcher(rule, exact, null, null, exact), null);
        }

        if (wildcard == match.Length - 1 && match[wildcard] == '*')
        {
            return (new PageMatcher(rule, null, match[..^1], null, match[..^1]), null);
        }

        var glob = "^" + Regex.Escape(match).Replace(@"\*\*", ".*", StringComparison.Ordinal)
            .Replace(@"\*", "[^/]*", StringComparison.Ordinal).Replace(@"\?", "[^/]", StringComparison.Ordinal) + "/?$";
        return (new PageMatcher(rule, null, null,
            new Regex(glob, Options), match[..wildcard]), null);
    }

    public bool TryMatch(string path, out string? product)
    {
        product = null;
        if (Exact is not null)
        {
            return string.Equals(Trim(path), Exact, StringComparison.OrdinalIgnoreCase);
        }

        if (_prefix is not null)
        {
            return path.StartsWith(_prefix, StringComparison.OrdinalIgnoreCase);
        }

        var m = _regex!.Match(path);
        if (!m.Success)
        {
            return false;
        }

        if (m.Groups.TryGetValue("product", out var group) && group.Success)
        {
            product = group.Value.ToLowerInvariant();
        }

        return true;
    }

    public static string Trim(string path) => path.Length > 1 && path[^1] == '/' ? path[..^1] : path;

    /// <summary>
    /// The literal text an anchored regex must start with (<c>^/products/(…)</c> → <c>/products/</c>), or
    /// empty when that cannot be told simply. A literal followed by a quantifier is not required, so it
    /// is left out.
    /// </summary>
    private static string LiteralStart(string pattern)
    {
        // An alternation can make any literal optional; such rules are simply always tried.
        if (!pattern.StartsWith('^') || pattern.Contains('|', StringComparison.Ordinal))
        {
            return "";
        }

        var literal = new System.Text.StringBuilder();
        for (var i = 1; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c is '?' or '*' or '{')
            {
                // The literal before an optional or counted quantifier may be absent.
                if (literal.Length > 0)
                {
                    literal.Length--;
                }

                break;
            }

            if (c is '\\' or '.' or '^' or '$' or '+' or '(' or ')' or '[' or ']' or '}' || char.IsWhiteSpace(c))
            {
                break;
            }

            literal.Append(c);
        }

        return literal.ToString();
    }
}

/// <summary>
/// Finds the first rule, in document order, that matches a path without trying every rule: exact paths
/// are one hash look-up, and every other rule hangs in a trie under the literal prefix its matches must
/// start with, so only the rules whose prefix the path has are tried.
/// </summary>
internal sealed class PageIndex
{
    private const int MaxStackCandidates = 64;

    private readonly PageMatcher[] _matchers;
    private readonly Dictionary<string, int> _exact = new(StringComparer.OrdinalIgnoreCase);
    private readonly Node _root = new();

    public PageIndex(IReadOnlyList<PageMatcher> matchers)
    {
        _matchers = [.. matchers];
        for (var i = 0; i < _matchers.Length; i++)
        {
            var matcher = _matchers[i];
            if (matcher.Exact is { } exact)
            {
                _exact.TryAdd(exact, i);
                continue;
            }

            var node = _root;
            foreach (var c in matcher.RequiredPrefix)
            {
                var key = char.ToLowerInvariant(c);
                node.Children ??= [];
                if (!node.Children.TryGetValue(key, out var child))
                {
                    node.Children[key] = child = new Node();
                }

                node = child;
            }

            (node.Rules ??= []).Add(i);
        }
    }

    public PageMatch? Match(string path)
    {
        var best = _exact.TryGetValue(PageMatcher.Trim(path), out var exact) ? exact : int.MaxValue;
        Span<int> stack = stackalloc int[MaxStackCandidates];
        var candidates = new CandidateList(stack);
        var node = _root;
        candidates.AddAll(node.Rules, best);
        foreach (var c in path)
        {
            if (node.Children is null || !node.Children.TryGetValue(char.ToLowerInvariant(c), out node))
            {
                break;
            }

            candidates.AddAll(node.Rules, best);
        }

        candidates.Sort();
        string? product = null;
        foreach (var index in candidates.Items)
        {
            if (index >= best)
            {
                break;
            }

            if (_matchers[index].TryMatch(path, out product))
            {
                best = index;
                break;
            }
        }

        if (best == int.MaxValue)
        {
            return null;
        }

        var rule = _matchers[best].Rule;
        return new PageMatch(rule.Category, rule.Points, rule.HighIntent, product);
    }

    private sealed class Node
    {
        public Dictionary<char, Node>? Children;
        public List<int>? Rules;
    }

    /// <summary>Rule indices gathered on the stack (on the heap only for unusually many candidates).</summary>
    private ref struct CandidateList(Span<int> stack)
    {
        private Span<int> _items = stack;
        private List<int>? _overflow;
        private int _count;

        public readonly ReadOnlySpan<int> Items => _overflow is null ? _items[.._count] : System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_overflow);

        public void AddAll(List<int>? rules, int below)
        {
            if (rules is null)
            {
                return;
            }

            foreach (var index in rules)
            {
                if (index >= below)
                {
                    break;
                }

                if (_overflow is not null)
                {
                    _overflow.Add(index);
                }
                else if (_count < _items.Length)
                {
                    _items[_count++] = index;
                }
                else
                {
                    _overflow = [.. _items[.._count], index];
                }
            }
        }

        public readonly void Sort()
        {
            if (_overflow is not null)
            {
                _overflow.Sort();
            }
            else
            {
                _items[.._count].Sort();
            }
        }
    }
}
