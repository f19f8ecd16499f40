using VisitorGrains.Domain.Alerts;

namespace VisitorGrains.Domain.Feed;

/// <summary>A site's alert feed: every alert gets the next sequence number; the newest are retained.</summary>
[GenerateSerializer]
public sealed class FeedState
{
    public const int Retained = 1000;

    [Id(0)] public long LastSeq { get; set; }
    /// <summary>Oldest first.</summary>
    [Id(1)] public List<Alert> Alerts { get; set; } = [];

    /// <summary>The alert's sequence if the feed holds it already (a re-delivery after a crash).</summary>
    public long? Known(string alertId) => Alerts.FindLast(a => a.Id == alertId)?.Seq;

    public Alert Number(Alert alert) => alert with { Seq = LastSeq + 1 };

    public void Apply(Alert numbered)
    {
        LastSeq = numbered.Seq;
        Alerts.Add(numbered);
        if (Alerts.Count > Retained)
        {
            Alerts.RemoveRange(0, Alerts.Count - Retained);
        }
    }

    public List<Alert> After(long seq, int max) => Alerts.Where(a => a.Seq > seq).Take(max).ToList();
}
