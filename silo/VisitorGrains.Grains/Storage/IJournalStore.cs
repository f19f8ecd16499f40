namespace VisitorGrains.Grains.Storage;

/// <summary>One entry of a stream's history.</summary>
public sealed record HistoryEntry(string Stream, long Seq, long At, byte[] Entry);

/// <summary>
/// A stream's stored form: the last checkpoint (if any) and the entries appended after it, each saying
/// whether it may still owe something (<see cref="IJournalStore.AppendAsync(string, long, ReadOnlyMemory{byte}, long, bool)"/>).
/// </summary>
public sealed record StoredStream(long SnapshotSeq, byte[]? Snapshot, IReadOnlyList<(long Seq, byte[] Entry, bool Owes)> Entries);

/// <summary>
/// Durable storage for grain journals. Each grain owns one stream: entries are appended (durable when
/// the task completes) and a checkpoint replaces the entries up to its sequence with a snapshot.
/// Implementations batch concurrent writes into one transaction (group commit).
/// </summary>
public interface IJournalStore
{
    Task<StoredStream> LoadAsync(string stream, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends an entry; <paramref name="at"/> (epoch ms) is when it happened, for history and retention.
    /// An entry that <paramref name="owes"/> carries something its grain must still deliver elsewhere (a
    /// visitor's contribution to its company): until a checkpoint covers it or it is settled
    /// (<see cref="SettleAsync"/>), recovery wakes its grain after a crash. The store is done with the bytes
    /// when the task completes: the caller may then reuse them.
    /// </summary>
    Task AppendAsync(string stream, long seq, ReadOnlyMemory<byte> entry, long at, bool owes = true);

    Task AppendAsync(string stream, long seq, byte[] entry, long at, bool owes = true) => AppendAsync(stream, seq, entry.AsMemory(), at, owes);

    /// <summary>
    /// What the entries <paramref name="from"/>..<paramref name="through"/> carried has been delivered: they owe
    /// nothing any more, and recovery passes them by. A settle lost to a crash only costs a replay that finds
    /// nothing to send, so a caller need not wait for it.
    /// </summary>
    Task SettleAsync(string stream, long from, long through);

    /// <summary>
    /// Stores a snapshot as of <paramref name="seq"/>. The entries it covers are dropped, unless they are
    /// the stream's history (<paramref name="keepEntries"/>), which retention trims later. The store is done
    /// with the bytes when the task completes.
    /// </summary>
    Task CheckpointAsync(string stream, long seq, ReadOnlyMemory<byte> snapshot, bool keepEntries = false);

    Task CheckpointAsync(string stream, long seq, byte[] snapshot, bool keepEntries = false) =>
        CheckpointAsync(stream, seq, snapshot.AsMemory(), keepEntries);

    /// <summary>Entries of the streams under <paramref name="prefix"/> that happened in [from, to), oldest first.</summary>
    IAsyncEnumerable<HistoryEntry> HistoryAsync(string prefix, long from, long to, CancellationToken cancellationToken = default);

    Task<long> CountHistoryAsync(string prefix, long from, long to, CancellationToken cancellationToken = default);

    /// <summary>
    /// Drops up to <paramref name="max"/> entries of the streams under <paramref name="prefix"/> ("" for
    /// all) older than <paramref name="before"/> that a checkpoint already covers, and says how many it
    /// dropped: callers repeat until fewer come back, so that other writes are never held up for long.
    /// Each site keeps its history for its own retention, hence the prefix.
    /// </summary>
    Task<int> TrimHistoryAsync(string prefix, long before, int max);

    /// <summary>
    /// Up to <paramref name="max"/> streams under <paramref name="prefix"/>, in name order, that hold an
    /// entry which happened before <paramref name="before"/> (checkpointed or not): the visitors whose
    /// data has outlived the site's retention, for retention to visit before it trims their history.
    /// </summary>
    Task<IReadOnlyList<string>> StreamsWithEntriesBeforeAsync(string prefix, long before, int max, CancellationToken cancellationToken = default);

    /// <summary>Removes the stream: its checkpoint and every entry, history included.</summary>
    Task DeleteAsync(string stream);

    /// <summary>
    /// After a data subject's erasure: makes what was deleted or overwritten so far unrecoverable from the
    /// store's own files (no old row versions, free pages or write-ahead log left holding it), so that a
    /// scan of the files finds nothing of the person. Rare and may be slow; ordinary writes go on.
    /// </summary>
    Task PurgeDeletedAsync();

    /// <summary>Streams with entries past their checkpoint that may still owe something: the grains to wake after a crash.</summary>
    Task<IReadOnlyList<string>> PendingStreamsAsync(CancellationToken cancellationToken = default);

    /// <summary>Streams whose names start with <paramref name="prefix"/>, in name order.</summary>
    Task<IReadOnlyList<string>> StreamsAsync(string prefix, int max, CancellationToken cancellationToken = default);
}
