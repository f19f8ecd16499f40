using BenchmarkDotNet.Attributes;
using VisitorGrains.Grains.Abstractions;

namespace VisitorGrains.Microbench;

/// <summary>
/// What Orleans' messaging costs a page view, apart from the work a grain does: one call from inside the
/// process (as the API calls a visitor's shard) to a grain method that does nothing but answer
/// (<see cref="IVisitorShardGrain.ResidentAsync"/>), in the embedded silo as shipped.
/// </summary>
[MemoryDiagnoser]
public class GrainCalls
{
    private EmbeddedSilo? _silo;
    private IVisitorShardGrain? _shard;

    [GlobalSetup]
    public void Setup()
    {
        _silo = new EmbeddedSilo();
        _shard = _silo.Grains.GetGrain<IVisitorShardGrain>(GrainKeys.VisitorShard("bench", "v_1"));
        _shard.ResidentAsync().GetAwaiter().GetResult(); // activated before measuring
    }

    [GlobalCleanup]
    public void Cleanup() => _silo?.Dispose();

    [Benchmark(Description = "an in-process grain call that does nothing (a visitor shard's ResidentAsync)")]
    public Task<int> Call() => _shard!.ResidentAsync();
}
