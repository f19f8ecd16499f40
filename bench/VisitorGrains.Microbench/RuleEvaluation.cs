using System.Text;
using BenchmarkDotNet.Attributes;
using VisitorGrains.Domain.Collecting;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Journeys;
using VisitorGrains.Domain.Scoring;

namespace VisitorGrains.Microbench;

/// <summary>Rule evaluation per page view with 200 page rules (exact paths, prefixes, globs and regexes).</summary>
[MemoryDiagnoser]
public class RuleEvaluation
{
    private CompiledRules _rules = null!;
    private VisitorState _visitor = null!;
    private CollectBatch _batch = null!;
    private readonly Identification _company = Identification.Of(new CompanyRef { Id = "acme.example", Name = "Acme" });
    private readonly string[] _paths = ["/pricing", "/section-150/page", "/blog/2026/some-post", "/products/fleet-manager/specs", "/nothing/matches/this/path"];

    [GlobalSetup]
    public void Setup()
    {
        var pages = new StringBuilder();
        var categories = new[] { "blog", "docs", "product", "support", "about" };
        for (var i = 0; i < 195; i++)
        {
            var category = categories[i % categories.Length];
            var match = (i % 4) switch
            {
                0 => $"/section-{i}/page",
                1 => $"/area-{i}*",
                2 => $"/glob-{i}/*/detail",
                _ => $"re:^/pattern-{i}/(?<product>[a-z0-9-]+)$",
            };
            pages.Append($$"""{"match":"{{match}}","category":"{{category}}","points":{{i % 7}}},""");
        }

        var json = $$$"""
            {"pages":[{{{pages}}}
              {"match":"/pricing*","category":"pricing","points":20,"highIntent":true},
              {"match":"/contact*","category":"contact","points":25,"highIntent":true},
              {"match":"/customers/*","category":"case-study","points":10,"highIntent":true},
              {"match":"re:^/products/(?<product>[a-z0-9-]+)","category":"product","points":5},
              {"match":"/blog/**","category":"blog","points":2}],
             "caps":{"blog":10}, "engagement":{"pointsPerMinute":2,"max":20}, "returnVisit":{"points":10,"withinDays":7},
             "decay":{"halfLifeDays":14}, "thresholds":{"warm":30,"hot":60,"mql":40}}
            """;
        _rules = CompiledRules.Compile(1, json).Rules ?? throw new InvalidOperationException(string.Join("; ", CompiledRules.Compile(1, json).Errors.Keys));
        _visitor = new VisitorState { Site = "demo", Visitor = "v_bench_0001" };
        _batch = new CollectBatch
        {
            Site = "demo", Visitor = "v_bench_0001",
            Events = [new TrackedEvent { Id = "e_1", Kind = EventKind.PageView, At = 1_763_900_000_000, Url = "https://x.com/products/fleet-manager/specs", Path = "/products/fleet-manager/specs" }],
        };
    }

    [Benchmark(Description = "MatchPage, 5 paths (1 matching late, 1 matching none), 200 rules")]
    public int MatchFivePaths()
    {
        var matched = 0;
        foreach (var path in _paths)
        {
            if (_rules.MatchPage(path) is not null)
            {
                matched++;
            }
        }

        return matched;
    }

    [Benchmark(Description = "MatchPage, a path no rule matches, 200 rules")]
    public PageMatch? MatchNone() => _rules.MatchPage("/nothing/matches/this/path");

    [Benchmark(Description = "Decide a page view (scoring, caps, stages), 200 rules")]
    public VisitorEntry? DecidePageView() => _visitor.Decide(_batch, _company, _rules, 1_763_900_000_100);
}
