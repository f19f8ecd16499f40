using System.Diagnostics.Metrics;

namespace VisitorGrains.Grains.Telemetry;

/// <summary>
/// Every metric of the product's own, in one place (the meter <c>VisitorGrains</c>; the API exports it with
/// Orleans' own meter, README "Observability"). Instruments are created once and tags are pre-built, so
/// recording on the hot path is an add into an existing series: no allocation, nothing when nobody listens.
/// Tags are bounded sets (outcomes, rules): never a visitor, a company or an address.
/// </summary>
public static class VisitorGrainsMetrics
{
    public const string MeterName = "VisitorGrains";

    private static readonly Meter Meter = new(MeterName, typeof(VisitorGrainsMetrics).Assembly.GetName().Version?.ToString());

    /// <summary>Fine at the low end, where a page view and an alert should be, and up to seconds for stalls.</summary>
    private static readonly IReadOnlyList<double> LatencyBucketsMs = [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

    private static readonly Counter<long> Batches = Meter.CreateCounter<long>("visitorgrains.collect.batches", "{batch}",
        "Batches posted to /collect, by how they were answered (outcome and HTTP status).");

    private static readonly Counter<long> Events = Meter.CreateCounter<long>("visitorgrains.collect.events", "{event}",
        "Events in batches answered 202 (durable); bots' batches are not counted.");

    private static readonly Histogram<double> IngestLatency = Meter.CreateHistogram("visitorgrains.collect.duration", "ms",
        "From the request reaching /collect to its 202, for accepted batches.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBucketsMs });

    private static readonly Counter<long> AlertsRaised = Meter.CreateCounter<long>("visitorgrains.alerts.raised", "{alert}",
        "Alerts numbered by a site's feed (each once), by rule.");

    private static readonly Histogram<double> AlertLatency = Meter.CreateHistogram("visitorgrains.alerts.latency", "ms",
        "From the triggering batch being accepted by its visitor to the alert sent to a subscribed SignalR connection of this node (one per connection).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBucketsMs });

    private static long _visitors;
    private static long _companies;

    static VisitorGrainsMetrics()
    {
        // Additive across silos: summed by a scraper, shown as gauges by Prometheus.
        Meter.CreateObservableUpDownCounter("visitorgrains.visitors.active", () => Volatile.Read(ref _visitors), "{grain}",
            "Visitors resident in this process (held by their shards, loaded until idle).");
        Meter.CreateObservableUpDownCounter("visitorgrains.companies.active", () => Volatile.Read(ref _companies), "{grain}",
            "Company grains resident (activated) in this process.");
    }

    /// <summary>How /collect answered a batch.</summary>
    public enum CollectOutcome
    {
        Accepted,
        Bot,
        Invalid,
        UnknownSite,
        OriginRefused,
        TooLarge,
        UnsupportedMediaType,
        RateLimitedAddress,
        RateLimitedSite,
        Unavailable,
    }

    private static readonly KeyValuePair<string, object?>[][] OutcomeTags = CreateOutcomeTags();

    private static KeyValuePair<string, object?>[][] CreateOutcomeTags()
    {
        var tags = new KeyValuePair<string, object?>[Enum.GetValues<CollectOutcome>().Length][];
        foreach (var outcome in Enum.GetValues<CollectOutcome>())
        {
            var (name, status) = outcome switch
            {
                CollectOutcome.Accepted => ("accepted", "202"),
                CollectOutcome.Bot => ("bot", "202"),
                CollectOutcome.Invalid => ("invalid", "400"),
                CollectOutcome.UnknownSite => ("unknown-site", "403"),
                CollectOutcome.OriginRefused => ("origin-refused", "403"),
                CollectOutcome.TooLarge => ("too-large", "413"),
                CollectOutcome.UnsupportedMediaType => ("unsupported-media-type", "415"),
                CollectOutcome.RateLimitedAddress => ("rate-limited-address", "429"),
                CollectOutcome.RateLimitedSite => ("rate-limited-site", "429"),
                CollectOutcome.Unavailable => ("unavailable", "503"),
                _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
            };
            tags[(int)outcome] = [new("outcome", name), new("http.response.status_code", status)];
        }

        return tags;
    }

    /// <summary>A /collect answer; for an accepted batch also its events and the time since <paramref name="startedAt"/> (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public static void Collected(CollectOutcome outcome, long startedAt = 0, int events = 0)
    {
        Batches.Add(1, OutcomeTags[(int)outcome]);
        if (outcome == CollectOutcome.Accepted)
        {
            Events.Add(events);
            IngestLatency.Record(System.Diagnostics.Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds);
        }
    }

    /// <summary>A new alert numbered by its site's feed.</summary>
    public static void AlertRaised(string rule) => AlertsRaised.Add(1, new KeyValuePair<string, object?>("rule", rule));

    /// <summary>An alert sent live to one connection, <paramref name="latency"/> after its batch was accepted.</summary>
    public static void AlertDelivered(TimeSpan latency) => AlertLatency.Record(Math.Max(0, latency.TotalMilliseconds));

    /// <summary>Visitors held by this silo's shards now.</summary>
    public static long ResidentVisitors => Volatile.Read(ref _visitors);

    public static void VisitorActivated() => Interlocked.Increment(ref _visitors);

    public static void VisitorDeactivated() => Interlocked.Decrement(ref _visitors);

    public static void CompanyActivated() => Interlocked.Increment(ref _companies);

    public static void CompanyDeactivated() => Interlocked.Decrement(ref _companies);
}
