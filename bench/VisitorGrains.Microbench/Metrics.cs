using BenchmarkDotNet.Attributes;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using VisitorGrains.Grains.Telemetry;

namespace VisitorGrains.Microbench;

/// <summary>
/// What /collect's metrics add to a page view: recording an accepted batch (outcome counter, events counter,
/// latency histogram) with the OpenTelemetry SDK listening, as the API runs, and with nobody listening.
/// </summary>
[MemoryDiagnoser]
public class Metrics
{
    private readonly int _events = 1;
    private MeterProvider? _provider;

    [Params(false, true)]
    public bool Listening { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        if (Listening)
        {
            _provider = Sdk.CreateMeterProviderBuilder()
                .AddMeter(VisitorGrainsMetrics.MeterName)
                .AddReader(new PeriodicExportingMetricReader(new Discard(), exportIntervalMilliseconds: 60_000))
                .Build();
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _provider?.Dispose();

    [Benchmark(Description = "record an accepted batch (2 counters, 1 histogram)")]
    public void Accepted() => VisitorGrainsMetrics.Collected(VisitorGrainsMetrics.CollectOutcome.Accepted, System.Diagnostics.Stopwatch.GetTimestamp(), _events);

    [Benchmark(Description = "record a rejected batch (1 counter)")]
    public void Rejected() => VisitorGrainsMetrics.Collected(VisitorGrainsMetrics.CollectOutcome.Invalid, events: _events);

    private sealed class Discard : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch) => ExportResult.Success;
    }
}
