using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using VisitorGrains.Grains.Storage;

namespace VisitorGrains.Grains.Postgres;

/// <summary>
/// Cluster mode's journal store: the same two tables as the embedded store, in PostgreSQL. Every silo
/// has one writer that takes all the writes waiting and sends them as one batch, which PostgreSQL runs
/// as one transaction with one commit (group commit, one round trip). A write's task completes when its
/// commit is durable (synchronous_commit as the server has it: on by default, so fsynced). Reads use
/// the data source's pool.
/// </summary>
public sealed class PostgresJournalStore : IJournalStore, IAsyncDisposable
{
    /// <summary>Above every other character in byte order, so that prefix + this bounds a prefix's range.</summary>
    private static readonly string Highest = char.ConvertFromUtf32(0x10FFFF);

    private readonly NpgsqlDataSource _data;
    private readonly StorageOptions _options;
    private readonly ILogger<PostgresJournalStore> _log;
    private readonly Channel<Write> _writes = Channel.CreateUnbounded<Write>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private int _disposed;

    public PostgresJournalStore(NpgsqlDataSource data, IOptions<StorageOptions> options, ILogger<PostgresJournalStore> log)
    {
        _data = data;
        _options = options.Value;
        _log = log;
        _writer = Task.Run(WriteLoopAsync);
    }

    public async Task<StoredStream> LoadAsync(string stream, CancellationToken cancellationToken = default)
    {
        await PostgresSchema.EnsureAsync(_data, cancellationToken);
        await using var connection = await _data.OpenConnectionAsync(cancellationToken);
        // One snapshot of both tables: a checkpoint committed between two reads cannot hide entries.
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        long snapshotSeq = 0;
        byte[]? snapshot = null;
        await using (var command = new NpgsqlCommand("SELECT seq, state FROM vg_snapshot WHERE stream = @stream", connection, tx))
        {
            command.Parameters.AddWithValue("stream", stream);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                snapshotSeq = reader.GetInt64(0);
                snapshot = (byte[])reader.GetValue(1);
            }
        }

        var entries = new List<(long, byte[], bool)>();
        await using (var command = new NpgsqlCommand(
            "SELECT seq, entry, owes FROM vg_entry WHERE stream = @stream AND seq > @after ORDER BY seq", connection, tx))
        {
            command.Parameters.AddWithValue("stream", stream);
            command.Parameters.AddWithValue("after", snapshotSeq);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                entries.Add((reader.GetInt64(0), (byte[])reader.GetValue(1), reader.GetBoolean(2)));
            }
        }

        await tx.CommitAsync(cancellationToken);
        return new StoredStream(snapshotSeq, snapshot, entries);
    }

    public Task AppendAsync(string stream, long seq, ReadOnlyMemory<byte> entry, long at, bool owes = true) =>
        Enqueue(new Write(WriteKind.Append, stream, seq, entry.ToArray(), at) { Owes = owes });

    // A settle's Seq is the last entry it covers, At the first.
    public Task SettleAsync(string stream, long from, long through) => Enqueue(new Write(WriteKind.Settle, stream, through, null, from));

    public Task CheckpointAsync(string stream, long seq, ReadOnlyMemory<byte> snapshot, bool keepEntries = false) =>
        Enqueue(new Write(keepEntries ? WriteKind.Snapshot : WriteKind.Checkpoint, stream, seq, snapshot.ToArray()));

    public Task DeleteAsync(string stream) => Enqueue(new Write(WriteKind.Delete, stream, 0, null));

    public async Task<int> TrimHistoryAsync(string prefix, long before, int max)
    {
        // Outside the writer: PostgreSQL's row locks keep it apart from the appends, and it never holds them up.
        await PostgresSchema.EnsureAsync(_data);
        await using var command = _data.CreateCommand("""
            DELETE FROM vg_entry WHERE ctid IN (
                SELECT e.ctid FROM vg_entry e LEFT JOIN vg_snapshot s ON s.stream = e.stream
                WHERE e.stream >= @from_stream AND e.stream < @to_stream
                  AND e.at < @before AND e.seq <= coalesce(s.seq, 0)
                LIMIT @max)
            """);
        command.Parameters.AddWithValue("from_stream", prefix);
        command.Parameters.AddWithValue("to_stream", prefix + Highest);
        command.Parameters.AddWithValue("before", before);
        command.Parameters.AddWithValue("max", max);
        return await command.ExecuteNonQueryAsync();
    }

    public async Task<IReadOnlyList<string>> StreamsWithEntriesBeforeAsync(string prefix, long before, int max,
        CancellationToken cancellationToken = default)
    {
        await PostgresSchema.EnsureAsync(_data, cancellationToken);
        await using var command = _data.CreateCommand("""
            SELECT DISTINCT stream FROM vg_entry
            WHERE stream >= @from_stream AND stream < @to_stream AND at < @before
            ORDER BY stream LIMIT @max
            """);
        command.Parameters.AddWithValue("from_stream", prefix);
        command.Parameters.AddWithValue("to_stream", prefix + Highest);
        command.Parameters.AddWithValue("before", before);
        command.Parameters.AddWithValue("max", max);
        return await ReadStringsAsync(command, cancellationToken);
    }

    /// <summary>
    /// VACUUM removes the deleted row versions from the tables, so no query, dump or replica built from
    /// them can bring the person back. (Their bytes may linger in free space and WAL segments until
    /// overwritten; encrypt the database's disk, as with any PostgreSQL holding personal data.)
    /// </summary>
    public async Task PurgeDeletedAsync()
    {
        await PostgresSchema.EnsureAsync(_data);
        await using var command = _data.CreateCommand("VACUUM vg_entry, vg_snapshot");
        command.CommandTimeout = 600;
        await command.ExecuteNonQueryAsync();
    }

    public async IAsyncEnumerable<HistoryEntry> HistoryAsync(string prefix, long from, long to,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await PostgresSchema.EnsureAsync(_data, cancellationToken);
        await using var command = _data.CreateCommand("""
            SELECT stream, seq, at, entry FROM vg_entry
            WHERE stream >= @from_stream AND stream < @to_stream AND at >= @from AND at < @to
            ORDER BY at, stream, seq
            """);
        AddRange(command, prefix, from, to);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new HistoryEntry(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), (byte[])reader.GetValue(3));
        }
    }

    public async Task<long> CountHistoryAsync(string prefix, long from, long to, CancellationToken cancellationToken = default)
    {
        await PostgresSchema.EnsureAsync(_data, cancellationToken);
        await using var command = _data.CreateCommand("""
            SELECT count(*) FROM vg_entry
            WHERE stream >= @from_stream AND stream < @to_stream AND at >= @from AND at < @to
            """);
        AddRange(command, prefix, from, to);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<IReadOnlyList<string>> PendingStreamsAsync(CancellationToken cancellationToken = default)
    {
        await PostgresSchema.EnsureAsync(_data, cancellationToken);
        await using var command = _data.CreateCommand("""
            SELECT DISTINCT e.stream FROM vg_entry e LEFT JOIN vg_snapshot s ON s.stream = e.stream
            WHERE e.owes AND e.seq > coalesce(s.seq, 0)
            ORDER BY e.stream
            """);
        return await ReadStringsAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> StreamsAsync(string prefix, int max, CancellationToken cancellationToken = default)
    {
        await PostgresSchema.EnsureAsync(_data, cancellationToken);
        await using var command = _data.CreateCommand("""
            SELECT stream FROM vg_snapshot WHERE stream >= @from AND stream < @to
            UNION
            SELECT stream FROM vg_entry WHERE stream >= @from AND stream < @to
            ORDER BY stream LIMIT @max
            """);
        command.Parameters.AddWithValue("from", prefix);
        command.Parameters.AddWithValue("to", prefix + Highest);
        command.Parameters.AddWithValue("max", max);
        return await ReadStringsAsync(command, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        // Registered under two service types, so the container may dispose it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // Every write already queued is committed before the store goes.
        _writes.Writer.TryComplete();
        await _writer;
    }

    private static void AddRange(NpgsqlCommand command, string prefix, long from, long to)
    {
        command.Parameters.AddWithValue("from_stream", prefix);
        command.Parameters.AddWithValue("to_stream", prefix + Highest);
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("to", to);
    }

    private static async Task<IReadOnlyList<string>> ReadStringsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var result = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(reader.GetString(0));
        }

        return result;
    }

    private Task Enqueue(Write write)
    {
        ObjectDisposedException.ThrowIf(!_writes.Writer.TryWrite(write), this);
        return write.Done.Task;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Write>(_options.MaxBatch);
        while (await _writes.Reader.WaitToReadAsync())
        {
            while (batch.Count < _options.MaxBatch && _writes.Reader.TryRead(out var write))
            {
                batch.Add(write);
            }

            try
            {
                await CommitAsync(batch);
                foreach (var write in batch)
                {
                    write.Done.TrySetResult();
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // One bad write must not fail the others that shared its transaction: retry each alone.
                // When the server is down they all fail, and each caller answers that it could not store.
                _log.LogWarning(ex, "Group commit of {Count} writes failed; retrying them one by one", batch.Count);
                foreach (var write in batch)
                {
                    try
                    {
                        await CommitAsync([write]);
                        write.Done.TrySetResult();
                    }
                    catch (Exception single) when (single is NpgsqlException or InvalidOperationException or TimeoutException)
                    {
                        write.Done.TrySetException(single);
                    }
                }
            }

            batch.Clear();
        }
    }

    /// <summary>One batch without an explicit transaction is one implicit transaction: all or nothing, one commit.</summary>
    private async Task CommitAsync(List<Write> writes)
    {
        await PostgresSchema.EnsureAsync(_data);
        await using var connection = await _data.OpenConnectionAsync();
        await using var batch = new NpgsqlBatch(connection);
        foreach (var write in writes)
        {
            switch (write.Kind)
            {
                case WriteKind.Append:
                    // A retry after an unknown outcome writes the same entry again: the last one stands.
                    batch.BatchCommands.Add(Command("""
                        INSERT INTO vg_entry (stream, seq, entry, at, owes) VALUES (@stream, @seq, @data, @at, @owes)
                        ON CONFLICT (stream, seq) DO UPDATE SET entry = excluded.entry, at = excluded.at, owes = excluded.owes
                        """, write));
                    break;
                case WriteKind.Settle:
                    batch.BatchCommands.Add(Command(
                        "UPDATE vg_entry SET owes = false WHERE stream = @stream AND seq >= @at AND seq <= @seq AND owes", write));
                    break;
                case WriteKind.Checkpoint:
                    batch.BatchCommands.Add(Command(SaveSnapshot, write));
                    batch.BatchCommands.Add(Command("DELETE FROM vg_entry WHERE stream = @stream AND seq <= @seq", write));
                    break;
                case WriteKind.Snapshot:
                    batch.BatchCommands.Add(Command(SaveSnapshot, write));
                    break;
                case WriteKind.Delete:
                    batch.BatchCommands.Add(Command("DELETE FROM vg_snapshot WHERE stream = @stream", write));
                    batch.BatchCommands.Add(Command("DELETE FROM vg_entry WHERE stream = @stream", write));
                    break;
            }
        }

        await batch.ExecuteNonQueryAsync();
    }

    private const string SaveSnapshot = """
        INSERT INTO vg_snapshot (stream, seq, state, saved_at) VALUES (@stream, @seq, @data, now())
        ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq, state = excluded.state, saved_at = excluded.saved_at
        """;

    private static NpgsqlBatchCommand Command(string sql, Write write)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string>("stream", NpgsqlDbType.Text) { TypedValue = write.Stream });
        if (sql.Contains("@seq", StringComparison.Ordinal))
        {
            command.Parameters.Add(new NpgsqlParameter<long>("seq", NpgsqlDbType.Bigint) { TypedValue = write.Seq });
        }

        if (sql.Contains("@data", StringComparison.Ordinal))
        {
            command.Parameters.Add(new NpgsqlParameter<byte[]>("data", NpgsqlDbType.Bytea) { TypedValue = write.Data });
        }

        if (sql.Contains("@at", StringComparison.Ordinal))
        {
            command.Parameters.Add(new NpgsqlParameter<long>("at", NpgsqlDbType.Bigint) { TypedValue = write.At });
        }

        if (sql.Contains("@owes", StringComparison.Ordinal))
        {
            command.Parameters.Add(new NpgsqlParameter<bool>("owes", NpgsqlDbType.Boolean) { TypedValue = write.Owes });
        }

        return command;
    }

    private enum WriteKind
    {
        Append,
        Checkpoint,
        Snapshot,
        Delete,
        Settle,
    }

    private sealed record Write(WriteKind Kind, string Stream, long Seq, byte[]? Data, long At = 0)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Owes { get; init; } = true;
    }
}
