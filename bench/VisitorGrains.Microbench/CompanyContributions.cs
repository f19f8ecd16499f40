using BenchmarkDotNet.Attributes;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Journeys;
using VisitorGrains.Domain.Lifecycle;
using VisitorGrains.Domain.Scoring;
using VisitorGrains.Grains.Abstractions;

namespace VisitorGrains.Microbench;

/// <summary>
/// How many contributions one company takes when its visitors send at once (a popular account on a busy
/// day): 64 visitors' contributions to one company, sent together, each answered once its entry is durable,
/// in the embedded silo as shipped (its SQLite journal and group commit).
/// </summary>
[MemoryDiagnoser]
public class CompanyContributions
{
    private const int Visitors = 64;
    private static readonly CompanyRef Company = new() { Id = "busy.example", Name = "Busy", Domain = "busy.example", Status = CrmStatus.Target };
    private EmbeddedSilo? _silo;
    private ICompanyGrain? _company;
    private long _seq;

    [GlobalSetup]
    public void Setup()
    {
        _silo = new EmbeddedSilo();
        _silo.Grains.GetGrain<ISiteGrain>("bench").SaveSettingsAsync("Bench", [], 60, null).GetAwaiter().GetResult();
        _company = _silo.Grains.GetGrain<ICompanyGrain>(GrainKeys.Company("bench", Company.Id));
        SendAll().GetAwaiter().GetResult(); // activated and its visitors known before measuring
    }

    [GlobalCleanup]
    public void Cleanup() => _silo?.Dispose();

    [Benchmark(Description = "64 visitors' contributions to one company, sent at once, each answered when durable")]
    public Task SendAll()
    {
        // Each round is every visitor's next journal entry: new to the company, never a replay.
        var seq = ++_seq;
        var at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var calls = new Task[Visitors];
        for (var i = 0; i < Visitors; i++)
        {
            calls[i] = _company!.RecordAsync(new CompanyContribution
            {
                Visitor = $"v_bench_{i:0000}", Seq = seq, Company = Company, Stage = Stage.Prospect, At = at,
                Points = [new ScorePoint("page:pricing", 10, at)], Pages = ["/pricing"],
            });
        }

        return Task.WhenAll(calls);
    }
}
