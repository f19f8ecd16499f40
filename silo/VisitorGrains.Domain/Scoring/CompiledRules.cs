using System.Text.Json;
using System.Text.RegularExpressions;

namespace VisitorGrains.Domain.Scoring;

/// <summary>What a page matched: the rule's category and points, and a product named by a capture.</summary>
public readonly record struct PageMatch(string Category, double Points, bool HighIntent, string? Product);

/// <summary>
/// A rules document compiled once per version: matchers built, thresholds checked. Evaluation
/// against it is pure and allocation-light; nothing is compiled per event.
/// </summary>
public sealed class CompiledRules
{
    public static readonly IReadOnlySet<string> Categories = new HashSet<string>(StringComparer.Ordinal)
    {
        "pricing", "contact", "demo", "case-study", "product", "blog", "careers", "support", "docs", "about",
        "integration", "comparison", "webinar", "download", "legal", "other",
    };

    private readonly PageIndex _pages;
    private readonly Dictionary<string, double> _events;

    private CompiledRules(int version, RulesDocument document, PageMatcher[] pages)
    {
        Version = version;
        Document = document;
        _pages = new PageIndex(pages);
        _events = document.Events.GroupBy(e => e.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Points, StringComparer.Ordinal);
        HalfLifeMs = document.Decay is { HalfLifeDays: > 0 } decay ? decay.HalfLifeDays * 86_400_000 : 0;
        CooldownMs = (long)(document.Alerts.CooldownHours * 3_600_000);
    }

    public int Version { get; }
    public RulesDocument Document { get; }
    public ThresholdsRule Thresholds => Document.Thresholds;

    /// <summary>Decay half-life in milliseconds; 0 means points never fade.</summary>
    public double HalfLifeMs { get; }

    public long CooldownMs { get; }

    public static CompiledRules Default { get; } = Compile(1, DefaultRules.Json).Rules!;

    /// <summary>The first page rule, in document order, that matches the path.</summary>
    public PageMatch? MatchPage(string path) => _pages.Match(path);

    public double? EventPoints(string name) => _events.TryGetValue(name, out var points) ? points : null;

    /// <summary>The most points a visitor may hold from a category, if capped.</summary>
    public double? CapFor(string category) => Document.Caps.TryGetValue(category, out var cap) ? cap : null;

    /// <summary>The temperature of a score as people see it: rounded to whole points.</summary>
    public Temperature TemperatureOf(double score)
    {
        score = ScoreMath.Whole(score);
        return score >= Thresholds.Hot ? Temperature.Hot : score >= Thresholds.Warm ? Temperature.Warm : Temperature.Cold;
    }

    /// <summary>Reads and checks a rules document; every problem is reported with its JSON path.</summary>
    public static (CompiledRules? Rules, IReadOnlyDictionary<string, string[]> Errors) Compile(int version, string json)
    {
        var errors = new Dictionary<string, List<string>>();
        void Error(string path, string message)
        {
            if (!errors.TryGetValue(path, out var list))
            {
                errors[path] = list = [];
            }

            list.Add(message);
        }

        RulesDocument? document;
        try
        {
            document = JsonSerializer.Deserialize<RulesDocument>(json, DomainJson.Options);
        }
        catch (JsonException ex)
        {
            Error(ex.Path is { Length: > 0 } p ? p : "$", "Not valid here: " + ex.Message.Split(". ")[0] + ".");
            return (null, Freeze(errors));
        }

        if (document is null)
        {
            Error("$", "The rules document must be a JSON object.");
            return (null, Freeze(errors));
        }

        document.Pages ??= [];
        document.Events ??= [];
        document.Thresholds ??= new ThresholdsRule();
        document.Alerts ??= new AlertSwitches();
        document.Caps ??= [];

        var matchers = new List<PageMatcher>();
        for (var i = 0; i < document.Pages.Count; i++)
        {
            var rule = document.Pages[i];
            var at = $"pages[{i}]";
            if (rule is null)
            {
                Error(at, "A page signal must be an object.");
                continue;
            }

            if (!Categories.Contains(rule.Category ?? ""))
            {
                Error($"{at}.category", $"Unknown category '{rule.Category}'. Known: {string.Join(", ", Categories.Order())}.");
            }

            if (!double.IsFinite(rule.Points) || Math.Abs(rule.Points) > 1000)
            {
                Error($"{at}.points", "Between -1000 and 1000.");
            }

            var (matcher, problem) = PageMatcher.Create(rule);
            if (matcher is null)
            {
                Error($"{at}.match", problem!);
            }
            else
            {
                matchers.Add(matcher);
            }
        }

        for (var i = 0; i < document.Events.Count; i++)
        {
            var rule = document.Events[i];
            if (rule is null || string.IsNullOrWhiteSpace(rule.Name) || rule.Name.Length > 100)
            {
                Error($"events[{i}].name", "Required: the event name, 1–100 characters.");
            }
            else if (!double.IsFinite(rule.Points) || Math.Abs(rule.Points) > 1000)
            {
                Error($"events[{i}].points", "Between -1000 and 1000.");
            }
        }

        // Scores are points in the hundreds: bounds keep every figure far from where arithmetic breaks.
        static bool Within(double value, double min, double max) => double.IsFinite(value) && value >= min && value <= max;
        if (document.Engagement is { } engagement)
        {
            if (!Within(engagement.PointsPerMinute, 0, 1000))
            {
                Error("engagement.pointsPerMinute", "Between 0 and 1000.");
            }

            if (!Within(engagement.Max, 0, 10_000))
            {
                Error("engagement.max", "Between 0 and 10000.");
            }
        }

        if (document.Decay is { } decay && !Within(decay.HalfLifeDays, 0, 3650))
        {
            Error("decay.halfLifeDays", "Between 0 (no decay) and 3650.");
        }

        if (document.ReturnVisit is { } returnVisit)
        {
            if (!Within(returnVisit.WithinDays, double.Epsilon, 3650))
            {
                Error("returnVisit.withinDays", "More than 0, at most 3650.");
            }

            if (!Within(returnVisit.Points, -1000, 1000))
            {
                Error("returnVisit.points", "Between -1000 and 1000.");
            }
        }

        var t = document.Thresholds;
        if (!(t.Warm > 0 && t.Warm < t.Hot) || !Within(t.Hot, 0, 1_000_000))
        {
            Error("thresholds", "Needs 0 < warm < hot ≤ 1000000.");
        }

        if (!Within(t.Mql, double.Epsilon, 1_000_000))
        {
            Error("thresholds.mql", "More than 0, at most 1000000.");
        }

        if (document.Alerts.CooldownHours is < 0 or > 24 * 365)
        {
            Error("alerts.cooldownHours", "Between 0 and 8760.");
        }

        if (document.Alerts.Surge is { } surge && (surge.Visitors < 2 || surge.Days <= 0))
        {
            Error("alerts.surge", "visitors must be 2 or more and days more than 0.");
        }

        foreach (var (category, cap) in document.Caps)
        {
            if (!Categories.Contains(category))
            {
                Error($"caps.{category}", "Not a known category.");
            }
            else if (!(cap > 0) || !Within(cap, 0, 100_000))
            {
                Error($"caps.{category}", "More than 0, at most 100000.");
            }
        }

        if (document.Icp is { } icp)
        {
            icp.Industries ??= [];
            icp.Countries ??= [];
            if (icp.MinEmployees > icp.MaxEmployees)
            {
                Error("icp.maxEmployees", "Must not be below minEmployees.");
            }

            if (icp.MinRevenue > icp.MaxRevenue)
            {
                Error("icp.maxRevenue", "Must not be below minRevenue.");
            }

            for (var i = 0; i < icp.Countries.Count; i++)
            {
                if (!IsCountryCode(icp.Countries[i]))
                {
                    Error($"icp.countries[{i}]", "A two-letter country code, e.g. SE.");
                }
            }

            if (icp.MinFit is < 1 or > 100)
            {
                Error("icp.minFit", "Between 1 and 100.");
            }
        }

        if (document.Routing is { } routing)
        {
            routing.Territories ??= [];
            routing.Salespeople ??= [];
            foreach (var (country, owner) in routing.Territories)
            {
                if (!IsCountryCode(country) || string.IsNullOrWhiteSpace(owner))
                {
                    Error($"routing.territories.{country}", "A two-letter country code and the salesperson's user name.");
                }
            }

            for (var i = 0; i < routing.Salespeople.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(routing.Salespeople[i]))
                {
                    Error($"routing.salespeople[{i}]", "A user name.");
                }
            }
        }

        return errors.Count > 0
            ? (null, Freeze(errors))
            : (new CompiledRules(version, document, [.. matchers]), Freeze(errors));
    }

    private static bool IsCountryCode(string? code) => code is { Length: 2 } && code.All(char.IsAsciiLetter);

    private static Dictionary<string, string[]> Freeze(Dictionary<string, List<string>> errors) =>
        errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
}
