using VisitorGrains.Domain.Collecting;
using VisitorGrains.Domain.Journeys;

namespace VisitorGrains.Tests.Unit;

/// <summary>A visitor's first-touch source, as the marketers' "leads by source" report counts it.</summary>
public sealed class SourceTests
{
    [Theory]
    [InlineData("https://example.com/pricing?utm_source=LinkedIn&utm_medium=cpc", "https://www.google.com/", "linkedin")]
    [InlineData("https://example.com/pricing?x=1&utm_source=news+letter", null, "news letter")]
    [InlineData("https://example.com/pricing", "https://www.google.com/search?q=x", "google.com")]
    [InlineData("https://example.com/pricing", "https://example.com/", "direct")]
    [InlineData("https://example.com/pricing", null, "direct")]
    public void FirstTouch_IsUtmSource_ElseTheReferringSite_ElseDirect(string url, string? referrer, string expected)
    {
        var pageView = new TrackedEvent { Id = "e_1", Kind = EventKind.PageView, At = 1, Url = url, Referrer = referrer };

        Assert.Equal(expected, VisitorState.SourceOf(pageView));
    }
}
