using Orleans.Serialization.Configuration;
using VisitorGrains.Domain;
using VisitorGrains.Domain.Alerts;
using VisitorGrains.Domain.Collecting;
using VisitorGrains.Domain.Lifecycle;
using VisitorGrains.Domain.Scoring;

[assembly: TypeManifestProvider(typeof(StoredTypeIds))]

namespace VisitorGrains.Domain;

/// <summary>
/// Numbers for the collection types our records hold behind an interface (<c>IReadOnlyList&lt;T&gt;</c> set to a
/// <c>List&lt;T&gt;</c>): Orleans' serializer writes the runtime type of such a field, by name unless it has a
/// number for it. By name, a visitor's journal entry spent ~380 of its ~780 bytes on five names like
/// <c>System.Collections.Generic.List`1[[VisitorGrains.Domain.Collecting.TrackedEvent,VisitorGrains.Domain]]</c>.
/// </summary>
/// <remarks>
/// What was stored is read by either form: entries and checkpoints written with names still read. A number, once
/// given, is never reused for another type (stored bytes hold it); nodes of a cluster must all know the same
/// numbers, so a cluster is upgraded across this change all at once.
/// </remarks>
public sealed class StoredTypeIds : TypeManifestProviderBase
{
    /// <summary>Far above Orleans' own well-known types.</summary>
    private const uint First = 1_000_000;

    protected override void ConfigureInner(TypeManifestOptions options)
    {
        var ids = options.WellKnownTypeIds;
        ids[First + 1] = typeof(List<TrackedEvent>);
        ids[First + 2] = typeof(List<ScorePoint>);
        ids[First + 3] = typeof(List<StageChange>);
        ids[First + 4] = typeof(List<int>);
        ids[First + 5] = typeof(List<string>);
        ids[First + 6] = typeof(List<Alert>);
        ids[First + 7] = typeof(List<ScoreReason>);
        ids[First + 8] = typeof(Dictionary<string, int>);
    }
}
