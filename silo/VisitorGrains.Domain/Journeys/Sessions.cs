namespace VisitorGrains.Domain.Journeys;

/// <summary>
/// Where a visitor's sessions stand: a session ends after 30 minutes without activity (the common
/// web-analytics definition). Immutable, so deciding and applying see the same arithmetic.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SessionCursor
{
    public static readonly long IdleTimeoutMs = (long)TimeSpan.FromMinutes(30).TotalMilliseconds;

    [Id(0)] public int Count { get; init; }
    [Id(1)] public long Start { get; init; }
    [Id(2)] public long LastActivity { get; init; }
    /// <summary>Last activity of the session before this one (0 when there was none): return visits.</summary>
    [Id(3)] public long PreviousEnd { get; init; }
    /// <summary>Engagement points earned in this session, for the per-session cap.</summary>
    [Id(4)] public double EngagementPoints { get; init; }

    public static SessionCursor None { get; } = new();

    /// <summary>Moves the cursor to an event at <paramref name="at"/>; says whether it opened a new session.</summary>
    public (SessionCursor Cursor, bool NewSession) Advance(long at)
    {
        if (Count > 0 && at - LastActivity <= IdleTimeoutMs)
        {
            return (at > LastActivity ? this with { LastActivity = at } : this, false);
        }

        return (new SessionCursor
        {
            Count = Count + 1,
            Start = at,
            LastActivity = at,
            PreviousEnd = Count > 0 ? LastActivity : 0,
            EngagementPoints = 0,
        }, true);
    }
}
