using VisitorGrains.Domain.Feed;

namespace VisitorGrains.Tests.Unit;

public sealed class AlertHandlingStateTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static AlertHandling Do(HandlingState state, string action, string by, string? reason = null, int? minutes = null)
    {
        var (entry, problem) = state.Decide(1, "a_1", action, by, Noon, reason, minutes);
        Assert.Null(problem);
        return entry is null ? state.Get(1)! : state.Apply(entry);
    }

    [Fact]
    public void SomeoneElsesClaim_KeepsOthersFromActing_ButAnyoneMayJudgeTheLead()
    {
        var state = new HandlingState { Site = "demo" };
        Do(state, HandlingActions.Claim, "erik");

        Assert.Equal("Claimed by erik already.", state.Decide(1, "a_1", HandlingActions.Claim, "anna", Noon, null, null).Problem);
        Assert.NotNull(state.Decide(1, "a_1", HandlingActions.Accept, "anna", Noon, null, null).Problem);
        Assert.NotNull(state.Decide(1, "a_1", HandlingActions.Release, "anna", Noon, null, null).Problem);
        Assert.Equal("junk", Do(state, HandlingActions.Junk, "anna").Quality);
        Assert.Equal((null, null), state.Decide(1, "a_1", HandlingActions.Claim, "ERIK", Noon, null, null));
    }

    [Fact]
    public void RejectingAnUnclaimedAlert_ClaimsIt_WithTheReason_AndSnoozingSetsAnEnd()
    {
        var state = new HandlingState { Site = "demo" };

        var snoozed = Do(state, HandlingActions.Snooze, "anna", minutes: 30);
        var rejected = Do(state, HandlingActions.Reject, "anna", reason: "a student");
        var released = Do(state, HandlingActions.Release, "anna");

        Assert.Equal(("anna", Noon.AddMinutes(30)), (snoozed.ClaimedBy, snoozed.SnoozedUntil));
        Assert.Equal(("anna", "rejected", "a student", (DateTimeOffset?)null), (rejected.ClaimedBy, rejected.Outcome, rejected.Reason, rejected.SnoozedUntil));
        Assert.Null(released.ClaimedBy);
        Assert.Equal("rejected", released.Outcome);
    }
}
