using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using VisitorGrains.Domain.Collecting;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Journeys;
using VisitorGrains.Domain.Scoring;

namespace VisitorGrains.Microbench;

/// <summary>What a journal write and a checkpoint cost in serialization (Orleans' serializer).</summary>
[MemoryDiagnoser]
public class StateSerialization
{
    private Serializer _serializer = null!;
    private VisitorEntry _entry = null!;
    private VisitorState _busyVisitor = null!;
    private byte[] _busyVisitorBytes = null!;

    [GlobalSetup]
    public void Setup()
    {
        _serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();
        var company = Identification.Of(new CompanyRef { Id = "acme.example", Name = "Acme", Domain = "acme.example", Owner = "erik" });
        _busyVisitor = new VisitorState { Site = "demo", Visitor = "v_bench_0001" };
        var at = 1_763_900_000_000L;
        for (var i = 0; i < 300; i++)
        {
            var path = i % 10 == 0 ? "/pricing" : $"/blog/post-{i}";
            var batch = new CollectBatch
            {
                Site = "demo", Visitor = "v_bench_0001",
                Events = [new TrackedEvent { Id = $"e_{i:D6}", Kind = EventKind.PageView, At = at + (i * 60_000L), Url = "https://example.com" + path, Path = path, Title = "A page title" }],
            };
            var entry = _busyVisitor.Decide(batch, company, CompiledRules.Default, at + (i * 60_000L))!;
            _busyVisitor.Apply(entry, i + 1);
            _entry = entry;
        }

        _busyVisitorBytes = _serializer.SerializeToArray(_busyVisitor);
    }

    [Benchmark(Description = "Serialize a visitor journal entry (one page view)")]
    public byte[] SerializeEntry() => _serializer.SerializeToArray(_entry);

    [Benchmark(Description = "Serialize a busy visitor's state (checkpoint: 300 events, full journey)")]
    public byte[] SerializeBusyVisitor() => _serializer.SerializeToArray(_busyVisitor);

    [Benchmark(Description = "Deserialize a busy visitor's state (activation)")]
    public VisitorState? DeserializeBusyVisitor() => _serializer.Deserialize<VisitorState>(_busyVisitorBytes);
}
