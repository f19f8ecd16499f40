namespace VisitorGrains.Domain.Scoring;

[GenerateSerializer]
public enum Temperature
{
    Cold,
    Warm,
    Hot,
}

/// <summary>Points earned by one signal at one moment; scores are computed from these for "now".</summary>
[GenerateSerializer, Immutable]
public sealed record ScorePoint(
    [property: Id(0)] string Signal,
    [property: Id(1)] double Points,
    [property: Id(2)] long At);

/// <summary>One line of a score's explanation: a signal and what it is worth now.</summary>
[GenerateSerializer, Immutable]
public sealed record ScoreReason([property: Id(0)] string Signal, [property: Id(1)] int Points);

public static class ScoreMath
{
    /// <summary>What a point earned at <paramref name="at"/> is worth at <paramref name="now"/>.</summary>
    public static double Decay(double points, long at, long now, double halfLifeMs) =>
        halfLifeMs <= 0 || now <= at ? points : points * Math.Pow(2, -(now - at) / halfLifeMs);

    public static double Total(IEnumerable<ScorePoint> points, long now, double halfLifeMs)
    {
        var total = 0d;
        foreach (var p in points)
        {
            total += Decay(p.Points, p.At, now, halfLifeMs);
        }

        return Math.Max(0, total);
    }

    /// <summary>The score's breakdown by signal, largest first.</summary>
    public static List<ScoreReason> Reasons(IEnumerable<ScorePoint> points, long now, double halfLifeMs, int max = 10) =>
        points.GroupBy(p => p.Signal, StringComparer.Ordinal)
            .Select(g => new ScoreReason(g.Key, (int)Math.Round(g.Sum(p => Decay(p.Points, p.At, now, halfLifeMs)))))
            .Where(r => r.Points != 0)
            .OrderByDescending(r => Math.Abs(r.Points)).ThenBy(r => r.Signal, StringComparer.Ordinal)
            .Take(max)
            .ToList();
}
