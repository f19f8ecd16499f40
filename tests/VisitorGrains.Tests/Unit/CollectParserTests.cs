using System.Text;
using VisitorGrains.Domain.Collecting;

namespace VisitorGrains.Tests.Unit;

public sealed class CollectParserTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_763_900_000_000);

    private static CollectParseResult Parse(string json) => CollectParser.Parse(Encoding.UTF8.GetBytes(json), Now);

    [Fact]
    public void ApiExamplePayload_IsAcceptedWithEveryEventKind()
    {
        var result = Parse("""
            {"site":"demo","visitor":"v_3f9a0c2e7b1d","session":"s_77aa01","events":[
              {"id":"e_01","type":"pageview","ts":1763900000000,"url":"https://example.com/pricing?utm_source=linkedin","referrer":"https://www.google.com/","title":"Pricing"},
              {"id":"e_02","type":"engagement","ts":1763900030000,"url":"https://example.com/pricing","engagedMs":28000,"scroll":85},
              {"id":"e_03","type":"event","ts":1763900040000,"name":"demo_requested","props":{"plan":"pro"}},
              {"id":"e_04","type":"identify","ts":1763900050000,"email":"Anna.Berg@volvocars.com","traits":{"title":"CFO"}}]}
            """);

        Assert.True(result.IsValid, string.Join("; ", result.Errors.Select(e => $"{e.Key}: {string.Join(",", e.Value)}")));
        var events = result.Batch!.Events;
        Assert.Equal([EventKind.PageView, EventKind.Engagement, EventKind.Custom, EventKind.Identify], events.Select(e => e.Kind));
        Assert.Equal("/pricing", events[0].Path);
        Assert.Equal(28000, events[1].EngagedMs);
        Assert.Equal("""{"plan":"pro"}""", events[2].Props);
        Assert.Equal("anna.berg@volvocars.com", events[3].Email);
    }

    [Theory]
    [InlineData("  Pricing  ", "Pricing")]
    [InlineData("Pricing\u0007 \u0085plans\u001b", "Pricing plans")]
    [InlineData("\u0000\u009f Docs \r\n", "Docs")]
    [InlineData("Ünïcödé — fine", "Ünïcödé — fine")]
    public void PageTitles_AreTrimmed_AndLoseTheirControlCharacters(string sent, string kept)
    {
        var json = "{\"site\":\"demo\",\"visitor\":\"v_12345678\",\"events\":[{\"id\":\"t1\",\"type\":\"pageview\",\"url\":\"https://x.com/\",\"title\":"
            + System.Text.Json.JsonSerializer.Serialize(sent) + "}]}";

        var result = Parse(json);

        Assert.True(result.IsValid);
        Assert.Equal(kept, result.Batch!.Events.Single().Title);
    }

    [Fact]
    public void EveryProblem_IsReportedWithItsPath()
    {
        var result = Parse("""
            {"site":"Demo!","visitor":"short","events":[
              {"id":"ok_1","type":"pageview","url":"https://example.com/"},
              {"id":"bad id","type":"teleport","url":"ftp://example.com/"},
              {"id":"e3","type":"event"},
              {"id":"e4","type":"identify","email":"not-an-email"},
              {"id":"e5","type":"engagement","url":"https://example.com/","scroll":140}]}
            """);

        Assert.False(result.IsValid);
        Assert.Equal(
            new[] { "events[1].id", "events[1].type", "events[1].url", "events[2].name", "events[3].email", "events[4].scroll", "site", "visitor" },
            result.Errors.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("[1,2]")]
    [InlineData("{\"site\":\"demo\",")]
    [InlineData("{\"site\":\"demo\",\"visitor\":\"v_12345678\",\"events\":[{\"id\":\"a\",\"type\":\"pageview\",\"ts\":\"yesterday\",\"url\":\"https://x.com/\"}]}")]
    [InlineData("{\"site\":\"demo\",\"visitor\":\"v_12345678\",\"events\":[{\"id\":\"a\",\"type\":\"pageview\",\"ts\":1e400,\"url\":\"https://x.com/\"}]}")]
    public void MalformedJson_IsRejectedNotThrown(string body)
    {
        var result = Parse(body);

        Assert.False(result.IsValid);
        Assert.NotEmpty(result.Errors);
    }

    [Fact]
    public void InvalidUtf8_IsRejected()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"site":"demo","visitor":"v_12345678","events":[{"id":"a","type":"pageview","url":"https://x.com/","title":"X"}]}""");
        var title = Array.IndexOf(bytes, (byte)'X');
        bytes[title] = 0xC3;

        Assert.False(CollectParser.Parse(bytes, Now).IsValid);
    }

    [Fact]
    public void DeepNesting_IsRejected()
    {
        var props = string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1" + new string('}', 100);
        var result = Parse($$"""{"site":"demo","visitor":"v_12345678","events":[{"id":"a","type":"event","name":"x","props":{{props}}}]}""");

        Assert.False(result.IsValid);
    }

    [Fact]
    public void FarOffTimestamps_AreClampedToServerTime()
    {
        var result = Parse($$"""
            {"site":"demo","visitor":"v_12345678","events":[
              {"id":"future","type":"pageview","ts":{{Now.AddDays(3).ToUnixTimeMilliseconds()}},"url":"https://x.com/"},
              {"id":"ancient","type":"pageview","ts":1000,"url":"https://x.com/"},
              {"id":"recent","type":"pageview","ts":{{Now.AddHours(-2).ToUnixTimeMilliseconds()}},"url":"https://x.com/"}]}
            """);

        var at = result.Batch!.Events.ToDictionary(e => e.Id, e => e.At);
        Assert.Equal(Now.ToUnixTimeMilliseconds(), at["future"]);
        Assert.Equal(Now.ToUnixTimeMilliseconds(), at["ancient"]);
        Assert.Equal(Now.AddHours(-2).ToUnixTimeMilliseconds(), at["recent"]);
    }

    [Fact]
    public void RepeatedIdsInOneBatch_AreKeptOnce()
    {
        var result = Parse("""
            {"site":"demo","visitor":"v_12345678","events":[
              {"id":"same","type":"pageview","url":"https://x.com/a"},
              {"id":"same","type":"pageview","url":"https://x.com/b"}]}
            """);

        Assert.Single(result.Batch!.Events);
    }

    [Fact]
    public void TooManyEvents_AreRejected()
    {
        var events = string.Join(",", Enumerable.Range(0, CollectParser.MaxEvents + 1)
            .Select(i => $$"""{"id":"e{{i}}","type":"pageview","url":"https://x.com/"}"""));

        var result = Parse($$"""{"site":"demo","visitor":"v_12345678","events":[{{events}}]}""");

        Assert.Contains("events", result.Errors.Keys);
    }

    [Fact]
    public void TextRepeatedAcrossBodies_IsReadAsOneSharedString()
    {
        const string Body = """
            {"site":"demo","visitor":"v_12345678","events":[{"id":"a","type":"pageview","url":"https://x.com/pricing",
             "referrer":"https://www.google.com/","title":"Pricing"}]}
            """;

        var first = Parse(Body).Batch!;
        var second = Parse(Body.Replace("v_12345678", "v_87654321")).Batch!;

        // Two requests, two decodings: the same instance only if the reader shares what it decodes.
        Assert.Same(first.Site, second.Site);
        Assert.Same(first.Events[0].Url, second.Events[0].Url);
        Assert.Same(first.Events[0].Referrer, second.Events[0].Referrer);
        Assert.Same(first.Events[0].Title, second.Events[0].Title);
    }

    [Fact]
    public void SharedText_ReadsEscapesAndRejectsWhatIsNotAString()
    {
        var escaped = Parse("""{"site":"demo","visitor":"v_12345678","events":[{"id":"a","type":"page\u0076iew","url":"https:\/\/x.com\/caf\u00e9","title":"Caf\u00e9"}]}""").Batch!;
        Assert.Equal(EventKind.PageView, escaped.Events[0].Kind);
        Assert.Equal("https://x.com/café", escaped.Events[0].Url);
        Assert.Equal("Café", escaped.Events[0].Title);

        var number = Parse("""{"site":"demo","visitor":"v_12345678","events":[{"id":"a","type":"pageview","url":"https://x.com/","title":42}]}""");
        Assert.False(number.IsValid);
        Assert.Contains(number.Errors.Keys, key => key.EndsWith("events[0].title", StringComparison.Ordinal));
    }
}
