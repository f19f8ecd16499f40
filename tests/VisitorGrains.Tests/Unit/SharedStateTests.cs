using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using VisitorGrains.Domain;
using VisitorGrains.Domain.Collecting;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Identifying;
using VisitorGrains.Domain.Journeys;
using VisitorGrains.Domain.Scoring;

namespace VisitorGrains.Tests.Unit;

/// <summary>
/// Resident visitors keep one instance of what they hold alike (paths, titles, signals, places, the
/// company, the reason it was decided), not a copy each: that is what keeps a resident visitor small.
/// </summary>
public sealed class SharedStateTests
{
    private static readonly CompiledRules Rules = CompiledRules.Default;

    // Every string is built at run time, so two visitors never start with the same instance.
    private static string Fresh(string text) => new(text.AsSpan());

    private static VisitorState Visit(string visitor, long at)
    {
        var state = new VisitorState { Site = Fresh("demo"), Visitor = visitor };
        var path = Fresh("/pricing");
        var batch = new CollectBatch
        {
            Site = state.Site,
            Visitor = visitor,
            Events =
            [
                new TrackedEvent
                {
                    Id = $"e_{visitor}", Kind = EventKind.PageView, At = at, Url = Fresh("https://example.com/pricing?utm_source=") + Fresh("newsletter"),
                    Path = path, Title = Fresh("Pricing — Example"),
                },
            ],
        };
        var company = new CompanyRef { Id = Fresh("acme"), Name = Fresh("Acme AB"), Domain = Fresh("acme.example"), Country = Fresh("SE") };
        var identification = Identification.Of(company) with
        {
            Location = new Geo { Country = Fresh("SE"), City = Fresh("Malmö") },
            Network = Fresh("192.0.2.0/24"),
            Because = Fresh("the site's account IP ranges"),
        };
        var entry = state.Decide(batch, identification, Rules, at)!;
        state.Apply(entry, 1);
        return state;
    }

    [Fact]
    public void TwoVisitors_HoldTheSameInstances_OfWhatTheyHaveAlike()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var a = Visit("v_shared_a", now);
        var b = Visit("v_shared_b", now + 1);

        Assert.Same(a.Journey[0].Path, b.Journey[0].Path);
        Assert.Same(a.Journey[0].Title, b.Journey[0].Title);
        Assert.Same(a.Points[0].Signal, b.Points[0].Signal);
        Assert.Same(a.Signals.Keys.Single(), b.Signals.Keys.Single());
        Assert.Same(a.Company, b.Company);
        Assert.Same(a.Companies[0], b.Companies[0]);
        Assert.Same(a.Location, b.Location);
        Assert.Same(a.Network, b.Network);
        Assert.Same(a.IdentifiedBecause, b.IdentifiedBecause);
        Assert.Same(a.Source, b.Source);
        Assert.Equal("newsletter", a.Source);
        Assert.Equal("page:pricing", a.Points[0].Signal);
    }

    [Fact]
    public void AStateReadFromStorage_IsPointedAtTheSharedInstances_AndMeansTheSame()
    {
        var serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var resident = Visit("v_shared_resident", now);
        var stored = serializer.Deserialize<VisitorState>(serializer.SerializeToArray(Visit("v_shared_stored", now + 1)))!;
        var before = (stored.Journey.ToList(), stored.Points.ToList(), stored.Signals.ToDictionary(), stored.Score(now + 10, Rules));
        Assert.NotSame(resident.Journey[0].Path, stored.Journey[0].Path); // read back: its own copies

        stored.Share();

        Assert.Same(Shared.Text(Fresh("demo")), stored.Site);
        Assert.Same(resident.Journey[0].Path, stored.Journey[0].Path);
        Assert.Same(resident.Journey[0].Title, stored.Journey[0].Title);
        Assert.Same(resident.Points[0].Signal, stored.Points[0].Signal);
        Assert.Same(resident.Signals.Keys.Single(), stored.Signals.Keys.Single());
        Assert.Same(resident.Company, stored.Company);
        Assert.Same(resident.Location, stored.Location);
        Assert.Same(resident.Network, stored.Network);
        Assert.Same(resident.IdentifiedBecause, stored.IdentifiedBecause);
        Assert.Same(resident.Source, stored.Source);
        Assert.Equal(before, (stored.Journey.ToList(), stored.Points.ToList(), stored.Signals.ToDictionary(), stored.Score(now + 10, Rules)),
            new StateComparer());
    }

    [Fact]
    public void SharedValues_AreEqualToWhatWasGiven_AndLongTextIsKeptAsItIs()
    {
        var long_ = new string('x', 300);
        Assert.Same(long_, Shared.Text(long_));
        Assert.Null(Shared.Text(null));
        Assert.Equal("event:demo", Shared.Concat("event:", "demo"));
        Assert.Same(Shared.Concat("event:", "demo"), Shared.Concat(Fresh("event:"), Fresh("demo")));
        var geo = new Geo { Country = "NO", City = "Oslo" };
        Assert.Same(Shared.Value(geo), Shared.Value(new Geo { Country = Fresh("NO"), City = Fresh("Oslo") }));
        Assert.Equal(new Geo { Country = "FI", City = "Oulu" }, Shared.Value(new Geo { Country = "FI", City = "Oulu" }));
    }

    private sealed class StateComparer : IEqualityComparer<(List<JourneyStep>, List<ScorePoint>, Dictionary<string, DecayingTotal>, double)>
    {
        public bool Equals((List<JourneyStep>, List<ScorePoint>, Dictionary<string, DecayingTotal>, double) x,
            (List<JourneyStep>, List<ScorePoint>, Dictionary<string, DecayingTotal>, double) y) =>
            x.Item1.SequenceEqual(y.Item1) && x.Item2.SequenceEqual(y.Item2)
            && x.Item3.OrderBy(p => p.Key).SequenceEqual(y.Item3.OrderBy(p => p.Key)) && x.Item4 == y.Item4;

        public int GetHashCode((List<JourneyStep>, List<ScorePoint>, Dictionary<string, DecayingTotal>, double) obj) => 0;
    }
}
