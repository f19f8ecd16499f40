using System.Buffers;
using CommunityToolkit.HighPerformance.Buffers;
using Orleans.Serialization;

namespace VisitorGrains.Grains.Storage;

/// <summary>
/// A grain's journal: load (checkpoint + entries after it), append an entry durably before applying it,
/// and checkpoint now and then so that replay stays short. Entries and snapshots use Orleans' serializer.
/// A checkpoint is due after <c>checkpointEvery</c> entries and, for a large state (a busy company holds
/// every visitor it has seen), only once the entries since the last one weigh as much as it did: rewriting a
/// 100 KB state every 64 entries of 500 B would write four times more checkpoint than journal. So the bytes
/// written for checkpoints stay at most those of the entries, and a replay at most reads about as much as
/// the checkpoint it starts from.
/// </summary>
public sealed class Journal<TState, TEntry>(IJournalStore store, Serializer serializer, string stream, int checkpointEvery,
    bool keepHistory = false)
    where TState : class
{
    public string Stream => stream;

    /// <summary>The sequence of the last entry written.</summary>
    public long Seq { get; private set; }

    public long CheckpointSeq { get; private set; }

    /// <summary>The size of the last checkpoint written or loaded, and of the entries written or loaded after it.</summary>
    private long _checkpointBytes;
    private long _entryBytesSince;

    public bool CheckpointDue => Seq - CheckpointSeq >= checkpointEvery && _entryBytesSince >= _checkpointBytes;

    /// <summary>
    /// Entries past the checkpoint that a load replays: a grain let go for good may leave a few there rather
    /// than write a checkpoint (most never come back, and one that does replays them as quickly as it reads
    /// a checkpoint), once they owe nothing.
    /// </summary>
    public long Uncheckpointed => Seq - CheckpointSeq;

    /// <summary>
    /// As loaded: the last entry up to which none owes anything any more (the checkpoint's sequence when the
    /// first entry after it still owes): what the entries after it carried may not have been delivered.
    /// </summary>
    public long SettledThrough { get; private set; }

    public async Task<(TState? State, List<(long Seq, TEntry Entry)> Entries)> LoadAsync(CancellationToken cancellationToken = default)
    {
        var stored = await store.LoadAsync(stream, cancellationToken);
        var state = stored.Snapshot is null ? null : serializer.Deserialize<TState>(stored.Snapshot);
        var entries = stored.Entries.Select(e => (e.Seq, serializer.Deserialize<TEntry>(e.Entry)!)).ToList();
        CheckpointSeq = stored.SnapshotSeq;
        SettledThrough = stored.SnapshotSeq;
        foreach (var (seq, _, owes) in stored.Entries)
        {
            if (owes)
            {
                break;
            }

            SettledThrough = seq;
        }

        Seq = entries.Count > 0 ? entries[^1].Seq : stored.SnapshotSeq;
        _checkpointBytes = stored.Snapshot?.Length ?? 0;
        _entryBytesSince = stored.Entries.Sum(e => (long)e.Entry.Length);
        return (state, entries);
    }

    /// <summary>
    /// Writes the entry durably and returns its sequence; <paramref name="at"/> is when it happened (epoch ms).
    /// One that <paramref name="owes"/> something is replayed by recovery until it is settled (<see cref="SettleAsync"/>).
    /// </summary>
    public async Task<long> AppendAsync(TEntry entry, long at, bool owes = true)
    {
        var seq = Seq + 1;
        // Serialized into a pooled buffer, given back once the store has committed it (a fresh array per
        // entry and per checkpoint was an eighth of all allocation under load).
        using var bytes = Serialize(entry);
        await store.AppendAsync(stream, seq, bytes.WrittenMemory, at, owes);
        Seq = seq;
        _entryBytesSince += bytes.WrittenCount;
        return seq;
    }

    /// <summary>
    /// For state that applies an entry before it is durable, so that the next decision already sees it, and
    /// that does not wait for one entry's commit before appending the next: the entry takes its sequence
    /// (<paramref name="seq"/>) now, and entries appended so reach the store in the order they were taken, a
    /// group commit holding as many of them as came meanwhile. The task ends once the entry is durable. If it
    /// fails, the journal is behind its state: the caller must load again before deciding anything more.
    /// </summary>
    public Task AppendAhead(TEntry entry, long at, out long seq)
    {
        seq = ++Seq;
        var bytes = Serialize(entry);
        _entryBytesSince += bytes.WrittenCount;
        return CommitAsync(seq, bytes, at);
    }

    private async Task CommitAsync(long seq, ArrayPoolBufferWriter<byte> bytes, long at)
    {
        using (bytes)
        {
            await store.AppendAsync(stream, seq, bytes.WrittenMemory, at);
        }
    }

    /// <summary>What the entries <paramref name="from"/>..<paramref name="through"/> carried has been delivered.</summary>
    public Task SettleAsync(long from, long through) => store.SettleAsync(stream, from, through);

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
        var (seq, since) = (Seq, _entryBytesSince);
        using var bytes = Serialize(state);
        await store.CheckpointAsync(stream, seq, bytes.WrittenMemory, keepHistory);
        Written(seq, since, bytes.WrittenCount);
    }

    /// <summary>Removes the stream and starts again from nothing.</summary>
    public async Task DeleteAsync()
    {
        await store.DeleteAsync(stream);
        Seq = CheckpointSeq = 0;
        _checkpointBytes = _entryBytesSince = 0;
    }

    /// <summary>Writes the state as of <see cref="Seq"/> and drops the entries it covers.</summary>
    public async Task CheckpointAsync(TState state)
    {
        if (Seq == CheckpointSeq)
        {
            return;
        }

        var (seq, since) = (Seq, _entryBytesSince);
        using var bytes = Serialize(state);
        await store.CheckpointAsync(stream, seq, bytes.WrittenMemory, keepHistory);
        Written(seq, since, bytes.WrittenCount);
    }

    /// <summary>Entries appended while the checkpoint was being written stay counted as after it.</summary>
    private void Written(long seq, long entryBytesCovered, int checkpointBytes)
    {
        CheckpointSeq = seq;
        _checkpointBytes = checkpointBytes;
        _entryBytesSince -= entryBytesCovered;
    }

    private ArrayPoolBufferWriter<byte> Serialize<T>(T value)
    {
        var buffer = new ArrayPoolBufferWriter<byte>(ArrayPool<byte>.Shared, 1024);
        serializer.Serialize(value, buffer);
        return buffer;
    }
}
