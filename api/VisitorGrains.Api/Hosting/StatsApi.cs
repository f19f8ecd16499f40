using System.Diagnostics;
using VisitorGrains.Api.Access;
using VisitorGrains.Grains.Hosting;
using VisitorGrains.Grains.Storage;
using VisitorGrains.Grains.Telemetry;

namespace VisitorGrains.Api.Hosting;

/// <summary>
/// <c>GET /api/stats</c> (admin): this node's memory, the cluster's resident grains by type and this node's resident visitors, for
/// operators and for the benchmark's memory-per-visitor figure. <c>?gc=true</c> collects first, so the
/// heap figure is what is live.
/// </summary>
public static class StatsApi
{
    public static RouteGroupBuilder MapStatsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/stats", GetAsync);
        return api;
    }

    /// <summary>
    /// The thread pool now: its threads, work items waiting, and work items run since the process started
    /// (each a hand-off from one thread to another: requests, grain turns and continuations all run as them).
    /// </summary>
    public static ThreadPoolStatistics ThreadPoolNow() =>
        new(ThreadPool.ThreadCount, ThreadPool.PendingWorkItemCount, ThreadPool.CompletedWorkItemCount);

    public readonly record struct ThreadPoolStatistics(int Threads, long QueuedWorkItems, long CompletedWorkItems);

    private static async Task<IResult> GetAsync(HttpContext http, IGrainFactory grains, bool? gc)
    {
        if (!http.User.IsAdmin())
        {
            return SiteAccess.Forbidden("Only admins read the node's statistics.");
        }

        if (gc == true)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        }

        var statistics = await grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        var activations = statistics
            .GroupBy(s => s.GrainType.Split(',')[0].Split('.')[^1])
            .ToDictionary(g => g.Key, g => g.Sum(s => s.ActivationCount));
        using var process = Process.GetCurrentProcess();
        return TypedResults.Ok(new
        {
            managedHeapBytes = GC.GetTotalMemory(forceFullCollection: false),
            workingSetBytes = process.WorkingSet64,
            gcCollections = new[] { GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2) },
            // Since the process started: what the benchmark reads before and after a run.
            gcPauseMs = GC.GetTotalPauseDuration().TotalMilliseconds,
            allocatedBytes = GC.GetTotalAllocatedBytes(),
            threadPool = ThreadPoolNow(),
            activations,
            // Visitors are held by their shards (VisitorShardGrain), not as activations: those of this node's silo.
            residentVisitors = VisitorGrainsMetrics.ResidentVisitors,
            // Visitors whose contributions their company has not confirmed yet: a company falling behind shows here.
            visitorsOwingCompanies = http.RequestServices.GetService<UnsentOutboxes>()?.Count,
            // The embedded store's writer (null in cluster mode): WAL catch-ups hold every page view's commit.
            journal = http.RequestServices.GetService<SqliteJournalStore>()?.Statistics,
        });
    }
}
