using System.Text;
using BenchmarkDotNet.Attributes;
using VisitorGrains.Domain.Collecting;

namespace VisitorGrains.Microbench;

/// <summary>Reading and validating collect bodies.</summary>
[MemoryDiagnoser]
public class PayloadParsing
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_763_900_060_000);

    private readonly byte[] _onePageView = Encoding.UTF8.GetBytes("""
        {"site":"demo","visitor":"v_3f9a0c2e7b1d","session":"s_77aa01","events":[{"id":"e_01","type":"pageview","ts":1763900000000,"url":"https://example.com/pricing?utm_source=linkedin","referrer":"https://www.google.com/","title":"Pricing"}]}
        """);

    private readonly byte[] _apiExample = Encoding.UTF8.GetBytes("""
        {"site":"demo","visitor":"v_3f9a0c2e7b1d","session":"s_77aa01","events":[
          {"id":"e_01","type":"pageview","ts":1763900000000,"url":"https://example.com/pricing?utm_source=linkedin","referrer":"https://www.google.com/","title":"Pricing"},
          {"id":"e_02","type":"engagement","ts":1763900030000,"url":"https://example.com/pricing","engagedMs":28000,"scroll":85},
          {"id":"e_03","type":"event","ts":1763900040000,"name":"demo_requested","props":{"plan":"pro"}},
          {"id":"e_04","type":"identify","ts":1763900050000,"email":"anna.berg@volvocars.com","traits":{"title":"CFO"}}]}
        """);

    [Benchmark(Description = "Parse + validate, one page view")]
    public CollectParseResult OnePageView() => CollectParser.Parse(_onePageView, Now);

    [Benchmark(Description = "Parse + validate, API.md example (4 events)")]
    public CollectParseResult ApiExample() => CollectParser.Parse(_apiExample, Now);
}
