using VisitorGrains.Domain.Collecting;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Journeys;
using VisitorGrains.Domain.Scoring;

namespace VisitorGrains.Tests.Unit;

public sealed class JourneyOrderTests
{
    [Fact]
    public void BatchesThatArriveOutOfOrder_LeaveTheJourneyInTheOrderThingsHappened()
    {
        var state = new VisitorState { Site = "demo", Visitor = "v_order_0001" };
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 10_000;
        var seq = 0L;
        void Arrive(string path, long at)
        {
            var batch = new CollectBatch
            {
                Site = "demo",
                Visitor = state.Visitor,
                Events = [new TrackedEvent { Id = $"e_{path}_{at}", Kind = EventKind.PageView, At = at, Url = $"https://example.com{path}", Path = path }],
            };
            var entry = state.Decide(batch, Identification.None(UnidentifiedReason.Unknown), CompiledRules.Default, start + 10_000)!;
            state.Apply(entry, ++seq);
        }

        Arrive("/spa", start);
        Arrive("/spa/contact", start + 30); // sent second, arrived first
        Arrive("/spa/pricing", start + 20);
        Arrive("/spa/pricing", start + 40);

        Assert.Equal(["/spa", "/spa/pricing", "/spa/contact", "/spa/pricing"], state.Journey.Select(j => j.Path));
    }
}
