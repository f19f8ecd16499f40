using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using VisitorGrains.Domain.Collecting;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Journeys;
using VisitorGrains.Domain.Lifecycle;
using VisitorGrains.Domain.Privacy;
using VisitorGrains.Grains.Abstractions;

namespace VisitorGrains.Grains.Journeys;

/// <summary>
/// The visitors of one site in one shard (<see cref="GrainKeys.VisitorShard"/>), each a plain object
/// (<see cref="ResidentVisitor"/>) loaded from its journal on its first call and let go, checkpointed,
/// once idle. Reentrant, so that one visitor waiting for its journal write does not hold up the others;
/// the calls of each visitor are chained, so they run one at a time and in order, as in a grain of its own.
/// </summary>
[Reentrant]
public sealed class VisitorShardGrain(VisitorGrainServices services) : Grain, IVisitorShardGrain
{
    internal static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How a call waits for the visitor's previous one: whatever became of it (its caller has its failure),
    /// and back on the shard's own scheduler.
    /// </summary>
    private const ConfigureAwaitOptions AfterAnyOutcome = ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext;

    private readonly Dictionary<string, ResidentVisitor> _visitors = new(StringComparer.Ordinal);
    private string _site = null!;
    private HashSet<string>? _retrying;
    private IGrainTimer? _retry;

    internal VisitorGrainServices Services => services;

    internal IGrainFactory Grains => GrainFactory;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _site = GrainKeys.Split(this.GetPrimaryKeyString()).Site;
        // Shards start their rounds at different moments, so that no one moment lets go of every site's idle visitors.
        var quantum = services.Collection.Quantum;
        this.RegisterGrainTimer(LetGoIdleRoundAsync, new GrainTimerCreationOptions
        {
            DueTime = quantum + TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * quantum.TotalMilliseconds),
            Period = quantum,
        });
        return Task.CompletedTask;
    }

    /// <summary>Every visitor's send finishes and its checkpoint is written; what cannot be stays in its journal.</summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _retry?.Dispose();
        // Every shard deactivates at a stop: only other reasons are worth a line at the default level.
        services.Log.Log(reason.ReasonCode == DeactivationReasonCode.ShuttingDown ? LogLevel.Debug : LogLevel.Information,
            "Shard {Shard} is deactivating ({Reason}: {Description}); checkpointing its {Visitors} visitors",
            this.GetPrimaryKeyString(), reason.ReasonCode, reason.Description, _visitors.Count);
        var going = _visitors.Values.Select(v =>
        {
            v.Calls++;
            return (Visitor: v, Task: Queued(v, LetGoAfterAsync(this, v, v.Turn)));
        }).ToList();
        try
        {
            await Task.WhenAll(going.Select(g => g.Task)).WaitAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            services.Log.LogWarning(ex, "Some visitors of {Shard} could not be checkpointed; their journals replay at the next call",
                this.GetPrimaryKeyString());
        }
        finally
        {
            foreach (var (visitor, _) in going)
            {
                visitor.Gone(this);
            }

            _visitors.Clear();
        }
    }

    public Task RecordAsync(string visitor, CollectBatch batch, Identification identification)
    {
        var resident = Resident(visitor);
        // The common case, a loaded visitor with no other call, runs at once: no chain, no closure.
        var task = resident.Loaded && resident.Calls == 1
            ? resident.RecordAsync(this, batch, identification)
            : RecordAfterAsync(resident, resident.Turn, visitor, batch, identification);
        return Queued(resident, task);
    }

    private async Task RecordAfterAsync(ResidentVisitor resident, Task previous, string visitor, CollectBatch batch, Identification identification)
    {
        try
        {
            await ReadyAsync(resident, previous, visitor);
        }
        catch
        {
            resident.Done();
            throw;
        }

        await resident.RecordAsync(this, batch, identification); // ends the call
    }

    public Task<VisitorView?> GetAsync(string visitor) => Queue(visitor, (resident, shard) => resident.GetAsync(shard));

    public Task<StageMoveResult> MoveAsync(string visitor, SalesMove move, string reason, string by) =>
        Queue(visitor, (resident, shard) => resident.MoveAsync(shard, move, reason, by));

    public Task RecoverAsync(string visitor) => Queue(visitor, async (resident, shard) =>
    {
        await resident.RecoverAsync(shard);
        return true;
    });

    public Task<VisitorExport?> ExportAsync(string visitor) => Queue(visitor, (resident, shard) => resident.ExportAsync(shard));

    public Task<bool> EraseAsync(string visitor)
    {
        _retrying?.Remove(visitor);
        return Queue(visitor, (resident, shard) => resident.EraseAsync(shard));
    }

    public Task<bool> ForgetBeforeAsync(string visitor, long before) =>
        Queue(visitor, (resident, shard) => resident.ForgetBeforeAsync(shard, before));

    public Task<int> LetGoIdleAsync(TimeSpan idle) => LetGoAsync(Environment.TickCount64 - (long)idle.TotalMilliseconds);

    public Task<int> ResidentAsync() => Task.FromResult(_visitors.Count);

    /// <summary>A visitor whose company could not be told now: its send starts again after <see cref="RetryAfter"/>.</summary>
    internal void RetryLater(string visitor)
    {
        (_retrying ??= new(StringComparer.Ordinal)).Add(visitor);
        _retry ??= this.RegisterGrainTimer(() =>
        {
            var due = _retrying.ToList();
            _retrying.Clear();
            _retry?.Dispose();
            _retry = null;
            foreach (var id in due)
            {
                if (_visitors.TryGetValue(id, out var resident) && resident.Loaded)
                {
                    resident.StartSending(this);
                }
            }

            return Task.CompletedTask;
        }, new GrainTimerCreationOptions { DueTime = RetryAfter, Period = Timeout.InfiniteTimeSpan });
    }

    /// <summary>The visitor, held from now on if it was not, with a call queued for it.</summary>
    private ResidentVisitor Resident(string visitor)
    {
        if (!_visitors.TryGetValue(visitor, out var resident))
        {
            resident = new ResidentVisitor();
            _visitors.Add(visitor, resident);
        }

        resident.Called();
        return resident;
    }

    /// <summary>The call is the one the next waits for, unless it has ended already.</summary>
    private static Task Queued(ResidentVisitor resident, Task call)
    {
        if (!call.IsCompleted)
        {
            resident.Turn = call;
        }

        return call;
    }

    private Task<T> Queue<T>(string visitor, Func<ResidentVisitor, VisitorShardGrain, Task<T>> call)
    {
        var resident = Resident(visitor);
        var task = QueueAfterAsync(resident, resident.Turn, visitor, call);
        Queued(resident, task);
        return task;
    }

    private async Task<T> QueueAfterAsync<T>(ResidentVisitor resident, Task previous, string visitor, Func<ResidentVisitor, VisitorShardGrain, Task<T>> call)
    {
        try
        {
            await ReadyAsync(resident, previous, visitor);
            return await call(resident, this);
        }
        finally
        {
            resident.Done();
        }
    }

    /// <summary>After the visitor's previous call (whatever became of it), loaded from its journal if it is not yet.</summary>
    private async Task ReadyAsync(ResidentVisitor resident, Task previous, string visitor)
    {
        await previous.ConfigureAwait(AfterAnyOutcome);
        if (!resident.Loaded)
        {
            await resident.LoadAsync(this, _site, visitor);
        }
    }

    private static async Task LetGoAfterAsync(VisitorShardGrain shard, ResidentVisitor resident, Task previous)
    {
        try
        {
            await previous.ConfigureAwait(AfterAnyOutcome);
            await resident.LetGoAsync();
        }
        finally
        {
            resident.Done();
        }
    }

    private async Task LetGoIdleRoundAsync()
    {
        try
        {
            await LetGoAsync(Environment.TickCount64 - (long)services.Collection.Age.TotalMilliseconds);
        }
        catch (Exception ex)
        {
            services.Log.LogWarning(ex, "A round letting idle visitors of {Shard} go failed; the next round tries again", this.GetPrimaryKeyString());
        }
    }

    /// <summary>
    /// Lets go of the visitors unused since <paramref name="cutoff"/> (and at once of those with nothing
    /// stored). Each is checkpointed first; one that got a call meanwhile stays.
    /// </summary>
    private async Task<int> LetGoAsync(long cutoff)
    {
        List<(string Id, ResidentVisitor Visitor, uint Uses, Task Task)>? going = null;
        foreach (var (id, resident) in _visitors)
        {
            // One still owing its company stays until the company has it (a deactivation leaves it to the journal).
            if ((resident.LastUsed <= cutoff || resident.Empty || !resident.Loaded) && resident.Calls == 0 && !resident.Owing)
            {
                resident.Calls++;
                var task = LetGoAfterAsync(this, resident, Task.CompletedTask);
                (going ??= []).Add((id, resident, resident.Uses, Queued(resident, task)));
            }
        }

        if (going is null)
        {
            return 0;
        }

        var gone = 0;
        foreach (var (id, resident, uses, task) in going)
        {
            try
            {
                await task;
            }
            catch (Exception ex)
            {
                services.Log.LogWarning(ex, "Could not checkpoint visitor {Visitor}; it stays until the next round", id);
                continue;
            }

            // A call that came meanwhile queued after the checkpoint: the visitor is in use again.
            if (resident.Uses == uses && resident.Calls == 0 && _visitors.Remove(id))
            {
                _retrying?.Remove(id);
                resident.Gone(this);
                gone++;
            }
        }

        return gone;
    }
}
