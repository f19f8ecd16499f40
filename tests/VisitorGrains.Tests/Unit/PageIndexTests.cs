using System.Text.Json;
using VisitorGrains.Domain.Scoring;

namespace VisitorGrains.Tests.Unit;

/// <summary>The page index must give exactly what trying every rule in document order gives.</summary>
public sealed class PageIndexTests
{
    private static readonly string[] Matches =
    [
        "/pricing", "/pricing*", "/pricing/enterprise", "/p*", "/products/*", "/products/**", "/docs/*/api", "/docs/**",
        "re:^/products/(?<product>[a-z0-9-]+)", "re:^/pro?ducts", "re:/api$", "re:^/(a|b)/x", "re:^/blog/[0-9]+", "/blog/**",
        "/", "/careers*", "/Careers/Engineer", "re:^/c[a-z]+rs", "/a/x", "/b*",
    ];

    private static readonly string[] Paths =
    [
        "/", "/pricing", "/pricing/", "/Pricing/Enterprise", "/pricing-plans", "/products", "/products/fleet", "/products/fleet/specs",
        "/prducts", "/docs/v2/api", "/docs/v2/guide", "/v1/api", "/a/x", "/b/x", "/blog/2026/post", "/blog/intro", "/careers",
        "/careers/engineer", "/cars", "/b", "/nothing",
    ];

    private static string Document(IEnumerable<string> matches) => JsonSerializer.Serialize(new
    {
        pages = matches.Select((m, i) => new { match = m, category = "other", points = i + 1 }),
    });

    [Fact]
    public void FirstMatchingRule_IsTheSameAsTryingEveryRuleInOrder_ForManyRuleOrders()
    {
        var random = new Random(7);
        var singles = Matches.ToDictionary(m => m, m => CompiledRules.Compile(1, Document([m])).Rules!);
        for (var round = 0; round < 200; round++)
        {
            var order = Matches.OrderBy(_ => random.Next()).Take(random.Next(1, Matches.Length + 1)).ToList();
            var rules = CompiledRules.Compile(1, Document(order)).Rules!;
            foreach (var path in Paths)
            {
                var expected = order.FindIndex(m => singles[m].MatchPage(path) is not null);
                var actual = rules.MatchPage(path);

                Assert.Equal(expected < 0 ? null : expected + 1, actual?.Points);
                if (expected >= 0)
                {
                    Assert.Equal(singles[order[expected]].MatchPage(path)!.Value.Product, actual!.Value.Product);
                }
            }
        }
    }
}
