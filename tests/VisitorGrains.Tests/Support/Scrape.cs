using System.Globalization;

namespace VisitorGrains.Tests.Support;

/// <summary>One answer of <c>GET /metrics</c> (Prometheus text format), read the way a scraper reads it.</summary>
public sealed class Scrape(string text)
{
    public string Text { get; } = text;

    public static async Task<Scrape> TakeAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        return new Scrape(await response.Content.ReadAsStringAsync());
    }

    /// <summary>The sum of the samples of <paramref name="metric"/> carrying every label given (0 when there are none).</summary>
    public double Value(string metric, params (string Name, string Value)[] labels) =>
        Samples(metric, labels).Sum();

    public bool Has(string metric, params (string Name, string Value)[] labels) => Samples(metric, labels).Any();

    private IEnumerable<double> Samples(string metric, (string Name, string Value)[] labels)
    {
        foreach (var line in Text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#' || !line.StartsWith(metric, StringComparison.Ordinal)
                || line.Length == metric.Length || line[metric.Length] is not ('{' or ' '))
            {
                continue;
            }

            var space = line.LastIndexOf(' ');
            var series = line[..space];
            if (labels.All(l => series.Contains($"{l.Name}=\"{l.Value}\"", StringComparison.Ordinal)))
            {
                yield return double.Parse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture);
            }
        }
    }
}
