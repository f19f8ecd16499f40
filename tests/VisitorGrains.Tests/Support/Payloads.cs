using System.Text.Json;

namespace VisitorGrains.Tests.Support;

/// <summary>Builds collect bodies the way the tracker sends them.</summary>
public static class Payloads
{
    public static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public static string PageViews(string site, string visitor, params string[] paths) =>
        JsonSerializer.Serialize(new
        {
            site,
            visitor,
            session = "s_test",
            events = paths.Select((path, i) => new
            {
                id = $"e_{Guid.NewGuid():N}",
                type = "pageview",
                ts = Now + i,
                url = $"https://example.com{path}",
                title = path.Trim('/'),
            }),
        });

    public static string Events(string site, string visitor, params object[] events) =>
        JsonSerializer.Serialize(new { site, visitor, events });
}
