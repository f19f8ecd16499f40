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

    /// <summary>A visitor's data erased: the alerts keep the company and the numbering, not the visitor. Returns their sequences.</summary>
    public List<long> Redact(string visitor)
    {
        var redacted = new List<long>();
        for (var i = 0; i < Alerts.Count; i++)
        {
            if (Alerts[i].Visitor == visitor)
            {
                Alerts[i] = Alerts[i] with { Visitor = null };
                redacted.Add(Alerts[i].Seq);
            }
        }

        return redacted;
    }

    /// <summary>Retention: drops the alerts raised before <paramref name="before"/> and returns their sequences.</summary>
    public List<long> ForgetBefore(DateTimeOffset before)
    {
        var forgotten = Alerts.Where(a => a.At < before).Select(a => a.Seq).ToList();
        if (forgotten.Count > 0)
        {
            Alerts.RemoveAll(a => a.At < before);
        }

        return forgotten;
    }

    public List<Alert> After(long seq, int max) => Alerts.Where(a => a.Seq > seq).Take(max).ToList();
}
