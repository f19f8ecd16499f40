using Orleans.Serialization;

namespace VisitorGrains.Grains.Storage;

/// <summary>
/// A grain's journal: load (checkpoint + entries after it), append an entry durably before applying it,
/// and checkpoint now and then so that replay stays short. Entries and snapshots use Orleans' serializer.
/// </summary>
public sealed class Journal<TState, TEntry>(IJournalStore store, Serializer serializer, string stream, int checkpointEvery,
    bool keepHistory = false)
    where TState : class
{
    public string Stream => stream;

    /// <summary>The sequence of the last entry written.</summary>
    public long Seq { get; private set; }

    public long CheckpointSeq { get; private set; }

    public bool CheckpointDue => Seq - CheckpointSeq >= checkpointEvery;

    public async Task<(TState? State, List<(long Seq, TEntry Entry)> Entries)> LoadAsync(CancellationToken cancellationToken = default)
    {
        var stored = await store.LoadAsync(stream, cancellationToken);
        var state = stored.Snapshot is null ? null : serializer.Deserialize<TState>(stored.Snapshot);
        var entries = stored.Entries.Select(e => (e.Seq, serializer.Deserialize<TEntry>(e.Entry)!)).ToList();
        CheckpointSeq = stored.SnapshotSeq;
        Seq = entries.Count > 0 ? entries[^1].Seq : stored.SnapshotSeq;
        return (state, entries);
    }

    /// <summary>Writes the entry durably and returns its sequence; <paramref name="at"/> is when it happened (epoch ms).</summary>
    public async Task<long> AppendAsync(TEntry entry, long at)
    {
        var seq = Seq + 1;
        await store.AppendAsync(stream, seq, serializer.SerializeToArray(entry), at);
        Seq = seq;
        return seq;
    }

    /// <summary>For state kept as snapshots only (settings, keys): every save is a new checkpoint.</summary>
    public Task SaveAsync(TState state)
    {
        Seq++;
        return CheckpointAsync(state);
    }

    /// <summary>
    /// Writes the state as of <see cref="Seq"/> even when no entry came since the last checkpoint: after
    /// something was removed from the state (retention, a data subject's erasure), so that the stored
    /// form forgets it too and, outside history, the entries that carried it are dropped.
    /// </summary>
    public async Task RewriteAsync(TState state)
    {
        await store.CheckpointAsync(stream, Seq, serializer.SerializeToArray(state), keepHistory);
        CheckpointSeq = Seq;
    }

    /// <summary>Removes the stream and starts again from nothing.</summary>
    public async Task DeleteAsync()
    {
        await store.DeleteAsync(stream);
        Seq = CheckpointSeq = 0;
    }

    /// <summary>Writes the state as of <see cref="Seq"/> and drops the entries it covers.</summary>
    public async Task CheckpointAsync(TState state)
    {
        if (Seq == CheckpointSeq)
        {
            return;
        }

        var seq = Seq;
        await store.CheckpointAsync(stream, seq, serializer.SerializeToArray(state), keepHistory);
        CheckpointSeq = seq;
    }
}
