namespace VisitorGrains.Grains.Storage;

/// <summary>A stream's stored form: the last checkpoint (if any) and the entries appended after it.</summary>
public sealed record StoredStream(long SnapshotSeq, byte[]? Snapshot, IReadOnlyList<(long Seq, byte[] Entry)> Entries);

/// <summary>
/// Durable storage for grain journals. Each grain owns one stream: entries are appended (durable when
/// the task completes) and a checkpoint replaces the entries up to its sequence with a snapshot.
/// Implementations batch concurrent writes into one transaction (group commit).
/// </summary>
public interface IJournalStore
{
    Task<StoredStream> LoadAsync(string stream, CancellationToken cancellationToken = default);

    Task AppendAsync(string stream, long seq, byte[] entry);

    Task CheckpointAsync(string stream, long seq, byte[] snapshot);

    Task DeleteAsync(string stream);

    /// <summary>Streams with entries past their checkpoint: the grains to wake after a crash.</summary>
    Task<IReadOnlyList<string>> PendingStreamsAsync(CancellationToken cancellationToken = default);

    /// <summary>Streams whose names start with <paramref name="prefix"/>, in name order.</summary>
    Task<IReadOnlyList<string>> StreamsAsync(string prefix, int max, CancellationToken cancellationToken = default);
}
