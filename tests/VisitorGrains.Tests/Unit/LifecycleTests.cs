using VisitorGrains.Domain.Collecting;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Journeys;
using VisitorGrains.Domain.Lifecycle;
using VisitorGrains.Domain.Scoring;

namespace VisitorGrains.Tests.Unit;

public sealed class LifecycleTests
{
    private const long T0 = 1_763_900_000_000;

    private static readonly CompanyRef Acme = new() { Id = "acme.example", Name = "Acme" };

    private static VisitorState Browse(VisitorState state, long at, params string[] paths)
    {
        var batch = new CollectBatch
        {
            Site = "demo", Visitor = state.Visitor,
            Events = paths.Select((p, i) => new TrackedEvent { Id = $"e_{Guid.NewGuid():N}", Kind = EventKind.PageView, At = at + i, Url = "https://x.com" + p, Path = p }).ToList(),
        };
        if (state.Decide(batch, Identification.Of(Acme), CompiledRules.Default, at + paths.Length) is { } entry)
        {
            state.Apply(entry, state.Seq + 1);
        }

        return state;
    }

    private static void Move(VisitorState state, SalesMove move, string reason, long at)
    {
        var (entry, problem) = state.DecideSalesMove(move, reason, "erik", CompiledRules.Default, at);
        Assert.Null(problem);
        state.Apply(entry!, state.Seq + 1);
    }

    /// <summary>
    /// The journal marks an entry as owing its company before the entry is applied: what
    /// <see cref="VisitorState.Contributes"/> says then must be what <see cref="VisitorState.ContributionOf"/>
    /// says after, through an unidentified visit, identification, a visit from home and a sales move.
    /// </summary>
    [Fact]
    public void WhetherAnEntryContributes_IsKnownBeforeItIsApplied()
    {
        var state = new VisitorState { Site = "demo", Visitor = "v_00000009" };
        var steps = new (Identification? Identification, bool Contributes)[]
        {
            (Identification.None(UnidentifiedReason.Residential), false),
            (Identification.Of(Acme), true),
            (Identification.None(UnidentifiedReason.Residential), true), // still Acme's visitor
            (null, false), // a sales move: no page, nothing for the company
        };
        var at = T0;
        foreach (var (identification, contributes) in steps)
        {
            at += 1000;
            var entry = identification is null
                ? state.DecideSalesMove(SalesMove.Accept, "", "erik", CompiledRules.Default, at).Entry!
                : state.Decide(new CollectBatch
                {
                    Site = "demo", Visitor = state.Visitor,
                    Events = [new TrackedEvent { Id = $"e_{at}", Kind = EventKind.PageView, At = at, Url = "https://x.com/pricing", Path = "/pricing" }],
                }, identification, CompiledRules.Default, at)!;

            Assert.Equal(contributes, state.Contributes(entry));
            state.Apply(entry, state.Seq + 1);
            Assert.Equal(contributes, state.ContributionOf(entry, state.Seq) is not null);
        }
    }

    [Fact]
    public void SalesAcceptsAnMql_ThenItBecomesAnOpportunityAndACustomer_WithEveryMoveKept()
    {
        var visitor = Browse(new VisitorState { Site = "demo", Visitor = "v_00000001" }, T0, "/pricing", "/contact");
        Assert.Equal(Stage.Mql, visitor.Stage);

        Move(visitor, SalesMove.Accept, "", T0 + 10);
        Move(visitor, SalesMove.Opportunity, "deal 42", T0 + 20);
        Move(visitor, SalesMove.Customer, "signed", T0 + 30);

        Assert.Equal(Stage.Customer, visitor.Stage);
        Assert.Equal([Stage.Prospect, Stage.Mql, Stage.Sql, Stage.Opportunity, Stage.Customer], visitor.StageHistory.Select(s => s.To));
        Assert.Equal("opportunity by erik: deal 42", visitor.StageHistory[3].Reason);
    }

    [Fact]
    public void RejectedMql_GoesBackToNurture_AndNeedsNewPointsToBeAnMqlAgain()
    {
        var visitor = Browse(new VisitorState { Site = "demo", Visitor = "v_00000002" }, T0, "/pricing", "/contact");

        Move(visitor, SalesMove.Reject, "student", T0 + 10);
        Assert.Equal(Stage.Prospect, visitor.Stage);
        Assert.Equal("rejected by erik: student", visitor.StageHistory[^1].Reason);

        Browse(visitor, T0 + 20, "/pricing");
        Assert.Equal(Stage.Prospect, visitor.Stage);

        Browse(visitor, T0 + 30, "/contact");
        Assert.Equal(Stage.Mql, visitor.Stage);
    }

    [Fact]
    public void ImpossibleMoves_AreRefusedWithAReason()
    {
        var visitor = Browse(new VisitorState { Site = "demo", Visitor = "v_00000003" }, T0, "/blog/x");

        var (entry, problem) = visitor.DecideSalesMove(SalesMove.Customer, "", "erik", CompiledRules.Default, T0 + 10);

        Assert.Null(entry);
        Assert.Contains("prospect", problem);
    }
}
