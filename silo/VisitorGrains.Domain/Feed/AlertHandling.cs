namespace VisitorGrains.Domain.Feed;

/// <summary>What a salesperson does with an alert.</summary>
public static class HandlingActions
{
    public const string Claim = "claim";
    public const string Release = "release";
    public const string Snooze = "snooze";
    public const string Accept = "accept";
    public const string Reject = "reject";
    public const string Good = "good";
    public const string Junk = "junk";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        Claim, Release, Snooze, Accept, Reject, Good, Junk,
    };
}

/// <summary>One thing done to an alert, as journaled.</summary>
[GenerateSerializer, Immutable]
public sealed record HandlingEntry
{
    [Id(0)] public required long Seq { get; init; }
    [Id(1)] public required string AlertId { get; init; }
    [Id(2)] public required string Action { get; init; }
    [Id(3)] public required string By { get; init; }
    [Id(4)] public required DateTimeOffset At { get; init; }
    [Id(5)] public string? Reason { get; init; }
    [Id(6)] public DateTimeOffset? SnoozedUntil { get; init; }
}

/// <summary>
/// How an alert is being handled: who claimed it, whether it is snoozed, accepted as SQL or rejected
/// (with a reason), and whether it was a good lead or junk. Sent to the team as <c>alertUpdated</c>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record AlertHandling
{
    [Id(0)] public required string Site { get; init; }
    [Id(1)] public required long Seq { get; init; }
    [Id(2)] public required string AlertId { get; init; }
    [Id(3)] public string? ClaimedBy { get; init; }
    [Id(4)] public DateTimeOffset? ClaimedAt { get; init; }
    [Id(5)] public DateTimeOffset? SnoozedUntil { get; init; }
    /// <summary><c>accepted</c> (as SQL) or <c>rejected</c> (back to nurture), or null while open.</summary>
    [Id(6)] public string? Outcome { get; init; }
    [Id(7)] public string? Reason { get; init; }
    /// <summary><c>good</c> or <c>junk</c>: sales' verdict on the alert, for tuning the rules.</summary>
    [Id(8)] public string? Quality { get; init; }
    [Id(9)] public required DateTimeOffset UpdatedAt { get; init; }
    [Id(10)] public required string UpdatedBy { get; init; }
}

/// <summary>The handling of a site's alerts. Decide says what an action means (or why it is refused); Apply records it.</summary>
[GenerateSerializer]
public sealed class HandlingState
{
    public const int MaxKept = 10_000;
    public const int MaxSnoozeMinutes = 7 * 24 * 60;

    [Id(0)] public string Site { get; set; } = "";
    [Id(1)] public SortedDictionary<long, AlertHandling> Alerts { get; set; } = [];

    public AlertHandling? Get(long seq) => Alerts.GetValueOrDefault(seq);

    /// <summary>
    /// The entry an action makes, null with the current handling when it changes nothing (a repeated
    /// claim), or a problem: someone else's claim stands in the way.
    /// </summary>
    public (HandlingEntry? Entry, string? Problem) Decide(long seq, string alertId, string action, string by, DateTimeOffset at,
        string? reason, int? snoozeMinutes)
    {
        var current = Get(seq);
        var claimedByOther = current?.ClaimedBy is { } owner && !string.Equals(owner, by, StringComparison.OrdinalIgnoreCase);
        switch (action)
        {
            case HandlingActions.Claim when claimedByOther:
                return (null, $"Claimed by {current!.ClaimedBy} already.");
            case HandlingActions.Claim when current?.ClaimedBy is not null:
                return (null, null);
            case HandlingActions.Release when current?.ClaimedBy is null:
                return (null, null);
            case HandlingActions.Release or HandlingActions.Accept or HandlingActions.Reject or HandlingActions.Snooze when claimedByOther:
                return (null, $"Claimed by {current!.ClaimedBy}: only they can do that.");
        }

        var until = action == HandlingActions.Snooze ? at.AddMinutes(Math.Clamp(snoozeMinutes ?? 60, 1, MaxSnoozeMinutes)) : (DateTimeOffset?)null;
        return (new HandlingEntry { Seq = seq, AlertId = alertId, Action = action, By = by, At = at, Reason = reason, SnoozedUntil = until }, null);
    }

    /// <summary>
    /// A visitor's data erased: the handling of the alerts that named them keeps who claimed it and the
    /// outcome, not the free-text reason, which may say anything about the person. False when none had one.
    /// </summary>
    public bool Redact(IEnumerable<long> seqs)
    {
        var changed = false;
        foreach (var seq in seqs)
        {
            if (Get(seq) is { Reason: not null } handling)
            {
                Alerts[seq] = handling with { Reason = null };
                changed = true;
            }
        }

        return changed;
    }

    /// <summary>Retention: the handling of alerts the feed no longer holds goes with them.</summary>
    public bool Forget(IEnumerable<long> seqs)
    {
        var changed = false;
        foreach (var seq in seqs)
        {
            changed |= Alerts.Remove(seq);
        }

        return changed;
    }

    public AlertHandling Apply(HandlingEntry entry)
    {
        var current = Get(entry.Seq) ?? new AlertHandling
        {
            Site = Site, Seq = entry.Seq, AlertId = entry.AlertId, UpdatedAt = entry.At, UpdatedBy = entry.By,
        };
        // Accepting, rejecting and snoozing an unclaimed alert claims it: whoever acts on it owns it.
        var claim = current.ClaimedBy is null ? (entry.By, (DateTimeOffset?)entry.At) : (current.ClaimedBy, current.ClaimedAt);
        var next = entry.Action switch
        {
            HandlingActions.Claim => current with { ClaimedBy = entry.By, ClaimedAt = entry.At },
            HandlingActions.Release => current with { ClaimedBy = null, ClaimedAt = null },
            HandlingActions.Snooze => current with { ClaimedBy = claim.Item1, ClaimedAt = claim.Item2, SnoozedUntil = entry.SnoozedUntil },
            HandlingActions.Accept => current with { ClaimedBy = claim.Item1, ClaimedAt = claim.Item2, Outcome = "accepted", Reason = entry.Reason, SnoozedUntil = null },
            HandlingActions.Reject => current with { ClaimedBy = claim.Item1, ClaimedAt = claim.Item2, Outcome = "rejected", Reason = entry.Reason, SnoozedUntil = null },
            HandlingActions.Good => current with { Quality = "good" },
            HandlingActions.Junk => current with { Quality = "junk" },
            _ => current,
        };
        next = next with { UpdatedAt = entry.At, UpdatedBy = entry.By };
        Alerts[entry.Seq] = next;
        while (Alerts.Count > MaxKept)
        {
            Alerts.Remove(Alerts.Keys.First());
        }

        return next;
    }
}
