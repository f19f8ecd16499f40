namespace VisitorGrains.Domain.Scoring;

[GenerateSerializer]
public enum Temperature
{
    Cold,
    Warm,
    Hot,
}

public static class TemperatureNames
{
    public static string Display(Temperature temperature) => temperature switch
    {
        Temperature.Hot => "hot",
        Temperature.Warm => "warm",
        _ => "cold",
    };
}

/// <summary>
/// Points earned by one signal at one moment; scores are computed from these for "now". Not
/// reference-tracked: states hold hundreds of them, each once, and tracking grew a dictionary entry per
/// point in every checkpoint (7% of all allocation under load). Stored bytes from before read the same
/// (<c>StoredStateCompatibilityTests</c>); a point held twice is written twice.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed record ScorePoint(
    [property: Id(0)] string Signal,
    [property: Id(1)] double Points,
    [property: Id(2)] long At);

/// <summary>One line of a score's explanation: a signal and what it is worth now.</summary>
[GenerateSerializer, Immutable]
public sealed record ScoreReason([property: Id(0)] string Signal, [property: Id(1)] int Points);

public static class ScoreMath
{
    /// <summary>
    /// A score as people see it: whole points, halves rounded up (22.5 is 23). Beyond what an int holds it
    /// stays at ±int.MaxValue (never int.MinValue, which has no absolute value); NaN is 0.
    /// </summary>
    public static int Whole(double score) =>
        double.IsNaN(score) ? 0 : (int)Math.Clamp(Math.Round(score, MidpointRounding.AwayFromZero), -int.MaxValue, int.MaxValue);

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
            .Select(g => new ScoreReason(g.Key, Whole(g.Sum(p => Decay(p.Points, p.At, now, halfLifeMs)))))
            .Where(r => r.Points != 0)
            .OrderByDescending(r => Math.Abs(r.Points)).ThenBy(r => r.Signal, StringComparer.Ordinal)
            .Take(max)
            .ToList();
}

/// <summary>
/// A sum of decaying points kept in O(1): exponential decay lets every point be expressed at one
/// anchor time, so adding a point or reading the total costs one power, however many points there
/// are. It remembers the half-life it was built with; under a new half-life it is rebuilt.
/// </summary>
[GenerateSerializer, Immutable]
public readonly record struct DecayingTotal(
    [property: Id(0)] double Value,
    [property: Id(1)] long Anchor,
    [property: Id(2)] double HalfLifeMs)
{
    public static DecayingTotal Of(IEnumerable<ScorePoint> points, double halfLifeMs)
    {
        var total = new DecayingTotal(0, 0, halfLifeMs);
        foreach (var p in points)
        {
            total = total.Add(p.Points, p.At);
        }

        return total;
    }

    public DecayingTotal Add(double points, long at)
    {
        if (HalfLifeMs <= 0)
        {
            return this with { Value = Value + points, Anchor = Math.Max(Anchor, at) };
        }

        return at >= Anchor
            ? this with { Value = ScoreMath.Decay(Value, Anchor, at, HalfLifeMs) + points, Anchor = at }
            : this with { Value = Value + ScoreMath.Decay(points, at, Anchor, HalfLifeMs) };
    }

    public DecayingTotal AddAll(IEnumerable<ScorePoint> points)
    {
        var total = this;
        foreach (var p in points)
        {
            total = total.Add(p.Points, p.At);
        }

        return total;
    }

    /// <summary>The total at <paramref name="now"/>, never below zero.</summary>
    public double ValueAt(long now) => Math.Max(0, ScoreMath.Decay(Value, Anchor, now, HalfLifeMs));
}
