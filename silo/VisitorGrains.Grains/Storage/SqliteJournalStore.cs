using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace VisitorGrains.Grains.Storage;

/// <summary>
/// The embedded journal store: one SQLite file in WAL mode. All writes go through one writer that
/// takes every write waiting and commits them in a single transaction (group commit), so the cost of
/// a commit is shared by all grains writing at that moment. Readers use their own pooled connections.
/// </summary>
public sealed class SqliteJournalStore : IJournalStore, IAsyncDisposable
{
    private static readonly Meter Meter = new("VisitorGrains.Storage");
    private static readonly Counter<long> Commits = Meter.CreateCounter<long>("vg.journal.commits", description: "Group commits");
    private static readonly Counter<long> Writes = Meter.CreateCounter<long>("vg.journal.writes", description: "Appends, checkpoints and deletes committed");
    private static readonly Counter<long> Bytes = Meter.CreateCounter<long>("vg.journal.bytes", "By", "Entry and snapshot bytes committed");
    private static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("vg.journal.batch_size", description: "Writes per group commit");

    private int _disposed;
    private long _commits;
    private long _writeCount;
    private long _appendBytes;
    private long _checkpointBytes;
    private long _pagesWritten;
    private long _pagesRead;

    /// <summary>
    /// Purges waiting to empty the WAL. Emptying it needs a moment with no reader on the log; each try
    /// waits only briefly (the writes queued behind it wait as long), between commits and while idle,
    /// until <see cref="PurgeGiveUpAfter"/>.
    /// </summary>
    private readonly List<Write> _purges = [];
    private long _purgeSince;
    private static readonly TimeSpan PurgeRetryEvery = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan CheckpointEvery = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan PurgeGiveUpAfter = TimeSpan.FromSeconds(60);

    /// <summary>A step of the writer or the checkpointer this long is logged (<see cref="Slow"/>).</summary>
    private static readonly TimeSpan SlowStep = TimeSpan.FromMilliseconds(200);
    private const int PurgeWaitMs = 100;

    private volatile bool _catchUpCheckpoint;
    private long _walCatchUps;
    private double _walCatchUpMs;
    private double _walCatchUpMaxMs;
    private long _databaseFlushes;

    /// <summary>The CPU time of the writer's and the checkpointer's own threads, once they have started.</summary>
    private ThreadCpuClock? _writerClock;
    private ThreadCpuClock? _checkpointerClock;

    private readonly WriteQueue<Write> _writes = new();
    private readonly string _readConnection;
    private readonly StorageOptions _options;
    private readonly ILogger<SqliteJournalStore> _log;
    private readonly Task _writer;
    private readonly Task _checkpointer;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SqliteConnection _connection;

    /// <summary>
    /// The database file, opened only to flush it to disk (<see cref="FlushDatabaseFile"/>). Closed after every
    /// SQLite connection to the file: closing a descriptor drops the process's POSIX locks on the file.
    /// </summary>
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _databaseFile;

    public SqliteJournalStore(IOptions<StorageOptions> options, ILogger<SqliteJournalStore> log)
    {
        _options = options.Value;
        _log = log;
        var path = System.IO.Path.GetFullPath(_options.Path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 };
        _connection = new SqliteConnection(builder.ToString());
        _connection.Open();
        Execute(_connection, $"""
            PRAGMA page_size = {_options.PageSize};
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = {(_options.Synchronous == SyncMode.Full ? "FULL" : "NORMAL")};
            PRAGMA busy_timeout = 30000;
            PRAGMA wal_autocheckpoint = 0;
            PRAGMA journal_size_limit = {Math.Max(1, _options.WalRestartFrames) * 2L * 4096};
            PRAGMA secure_delete = ON;
            CREATE TABLE IF NOT EXISTS vg_snapshot (
                stream   TEXT    NOT NULL UNIQUE,
                seq      INTEGER NOT NULL,
                state    BLOB    NOT NULL,
                saved_at INTEGER NOT NULL
            );
            CREATE TABLE IF NOT EXISTS vg_entry (
                stream TEXT    NOT NULL,
                seq    INTEGER NOT NULL,
                entry  BLOB    NOT NULL,
                at     INTEGER NOT NULL DEFAULT 0,
                owes   INTEGER NOT NULL DEFAULT 1,
                UNIQUE (stream, seq)
            );
            """);
        if (!HasColumn(_connection, "vg_entry", "at"))
        {
            // Stores written before entries had a time.
            Execute(_connection, "ALTER TABLE vg_entry ADD COLUMN at INTEGER NOT NULL DEFAULT 0;");
        }

        if (!HasColumn(_connection, "vg_entry", "owes"))
        {
            // Stores written before entries said whether they owe anything: each may, as recovery took them then.
            Execute(_connection, "ALTER TABLE vg_entry ADD COLUMN owes INTEGER NOT NULL DEFAULT 1;");
        }

        // Entries arrive in time order, so this index grows at its end: cheap to keep, and retention
        // finds old entries without reading the whole journal.
        Execute(_connection, "CREATE INDEX IF NOT EXISTS vg_entry_at ON vg_entry (at);");
        _databaseFile = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        var checkpointConnection = builder.ToString();
        builder.Mode = SqliteOpenMode.ReadOnly;
        _readConnection = builder.ToString();
        // Threads of their own, not the thread pool's: the writer is busy in SQLite for most of its time under
        // load, and a checkpoint pass blocks for ~50 ms (and flushes the file); on a 2-core machine the pool may
        // have only two threads for every request and grain turn.
        _writer = RunOnOwnThread("VisitorGrains journal writer", WriteLoop, clock => Volatile.Write(ref _writerClock, clock));
        _checkpointer = RunOnOwnThread("VisitorGrains WAL checkpointer", () => CheckpointLoop(checkpointConnection),
            clock => Volatile.Write(ref _checkpointerClock, clock));
    }

    /// <summary>Runs the loop on a thread of its own, whose CPU clock is given out while it runs (a thread id is reused once it ends).</summary>
    private static Task RunOnOwnThread(string name, Action loop, Action<ThreadCpuClock?> clock)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            clock(ThreadCpuClock.ForCurrentThread());
            try
            {
                loop();
                done.TrySetResult();
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
            finally
            {
                clock(null);
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return done.Task;
    }

    /// <summary>
    /// The checkpoint and the entries after it, read by one statement, so from one consistent state of the file
    /// (an explicit transaction would do the same, but a <see cref="SqliteTransaction"/> sets and clears a SQLite
    /// rollback hook: two finalizable handles per grain activation).
    /// </summary>
    public async Task<StoredStream> LoadAsync(string stream, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT 0, seq, state, 0 FROM vg_snapshot WHERE stream = $stream
            UNION ALL
            SELECT 1, seq, entry, owes FROM vg_entry
            WHERE stream = $stream AND seq > coalesce((SELECT seq FROM vg_snapshot WHERE stream = $stream), 0)
            ORDER BY 2
            """;
        // By seq alone: the checkpoint's is below every entry's, and both halves come in that order from their
        // indexes, so SQLite merges them without sorting.
        command.Parameters.AddWithValue("$stream", stream);
        long snapshotSeq = 0;
        byte[]? snapshot = null;
        var entries = new List<(long, byte[], bool)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (reader.GetInt64(0) == 0)
            {
                snapshotSeq = reader.GetInt64(1);
                snapshot = (byte[])reader.GetValue(2);
            }
            else
            {
                entries.Add((reader.GetInt64(1), (byte[])reader.GetValue(2), reader.GetInt64(3) != 0));
            }
        }

        return new StoredStream(snapshotSeq, snapshot, entries);
    }

    /// <summary>What the writer and the background checkpoint did since the store opened (read without locks: approximate while writing).</summary>
    public JournalStatistics Statistics => new(
        Interlocked.Read(ref _commits), Interlocked.Read(ref _writeCount), Interlocked.Read(ref _walCatchUps),
        Volatile.Read(ref _walCatchUpMs), Volatile.Read(ref _walCatchUpMaxMs), Interlocked.Read(ref _databaseFlushes))
    {
        PagesWritten = Interlocked.Read(ref _pagesWritten),
        PagesRead = Interlocked.Read(ref _pagesRead),
        AppendBytes = Volatile.Read(ref _appendBytes),
        CheckpointBytes = Volatile.Read(ref _checkpointBytes),
        WriterCpuMs = Volatile.Read(ref _writerClock)?.Used,
        CheckpointerCpuMs = Volatile.Read(ref _checkpointerClock)?.Used,
    };

    public Task AppendAsync(string stream, long seq, ReadOnlyMemory<byte> entry, long at, bool owes = true) =>
        Enqueue(new Write(WriteKind.Append, stream, seq, entry, at) { Owes = owes });

    // A settle's Seq is the last entry it covers, At the first.
    public Task SettleAsync(string stream, long from, long through) => Enqueue(new Write(WriteKind.Settle, stream, through, null, from));

    public Task CheckpointAsync(string stream, long seq, ReadOnlyMemory<byte> snapshot, bool keepEntries = false) =>
        Enqueue(new Write(keepEntries ? WriteKind.Snapshot : WriteKind.Checkpoint, stream, seq, snapshot));

    public Task DeleteAsync(string stream) => Enqueue(new Write(WriteKind.Delete, stream, 0, null));

    public async Task<int> TrimHistoryAsync(string prefix, long before, int max)
    {
        // A trim's Stream carries its prefix, Seq its chunk size (LIMIT $seq) and At the cut-off.
        var write = new Write(WriteKind.Trim, prefix, max, null, before);
        await Enqueue(write);
        return write.Affected;
    }

    /// <summary>
    /// Deleted rows are zeroed as they go (secure_delete, set when the file is opened); this copies the
    /// WAL into the file and truncates it, so no old page image is left in it either. It runs between
    /// group commits on the writer's connection, waiting for readers as a busy handler does.
    /// </summary>
    public Task PurgeDeletedAsync() => Enqueue(new Write(WriteKind.Purge, "", 0, null));

    public async Task<IReadOnlyList<string>> StreamsWithEntriesBeforeAsync(string prefix, long before, int max,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT DISTINCT stream FROM vg_entry
            WHERE stream >= $from AND stream < $to AND at < $before
            ORDER BY stream LIMIT $max
            """;
        command.Parameters.AddWithValue("$from", prefix);
        command.Parameters.AddWithValue("$to", prefix + '\uffff');
        command.Parameters.AddWithValue("$before", before);
        command.Parameters.AddWithValue("$max", max);
        return await ReadStringsAsync(command, cancellationToken);
    }

    public async IAsyncEnumerable<HistoryEntry> HistoryAsync(string prefix, long from, long to,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT stream, seq, at, entry FROM vg_entry
            WHERE stream >= $from_stream AND stream < $to_stream AND at >= $from AND at < $to
            ORDER BY at, stream, seq
            """;
        AddRange(command, prefix, from, to);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new HistoryEntry(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), (byte[])reader.GetValue(3));
        }
    }

    public async Task<long> CountHistoryAsync(string prefix, long from, long to, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT count(*) FROM vg_entry
            WHERE stream >= $from_stream AND stream < $to_stream AND at >= $from AND at < $to
            """;
        AddRange(command, prefix, from, to);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static void AddRange(SqliteCommand command, string prefix, long from, long to)
    {
        command.Parameters.AddWithValue("$from_stream", prefix);
        command.Parameters.AddWithValue("$to_stream", prefix + '\uffff');
        command.Parameters.AddWithValue("$from", from);
        command.Parameters.AddWithValue("$to", to);
    }

    public async Task<IReadOnlyList<string>> PendingStreamsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT DISTINCT e.stream FROM vg_entry e LEFT JOIN vg_snapshot s ON s.stream = e.stream
            WHERE e.owes = 1 AND e.seq > coalesce(s.seq, 0)
            ORDER BY e.stream
            """;
        return await ReadStringsAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> StreamsAsync(string prefix, int max, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT stream FROM vg_snapshot WHERE stream >= $from AND stream < $to
            UNION
            SELECT stream FROM vg_entry WHERE stream >= $from AND stream < $to
            ORDER BY stream LIMIT $max
            """;
        command.Parameters.AddWithValue("$from", prefix);
        command.Parameters.AddWithValue("$to", prefix + '\uffff');
        command.Parameters.AddWithValue("$max", max);
        return await ReadStringsAsync(command, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        // Registered under two service types, so the container may dispose it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _writes.Complete();
        await _writer;
        _log.LogInformation("Journal: {Commits} group commits of {Writes} writes ({PerCommit:F1} each); {AppendBytes} bytes of entries, {CheckpointBytes} bytes of checkpoints; the WAL caught up {CatchUps} times ({CatchUpMs:F0} ms in all, {CatchUpMaxMs:F0} ms at most)",
            _commits, _writeCount, _commits == 0 ? 0 : _writeCount / (double)_commits, _appendBytes, _checkpointBytes, _walCatchUps, _walCatchUpMs, _walCatchUpMaxMs);
        await _stopping.CancelAsync();
        await _checkpointer;
        await _connection.DisposeAsync();
        _stopping.Dispose();

        // Pooled connections stay open after Dispose: close them before the descriptor (see _databaseFile).
        SqliteConnection.ClearPool(_connection);
        await using (var reader = new SqliteConnection(_readConnection))
        {
            SqliteConnection.ClearPool(reader);
        }

        _databaseFile.Dispose();
    }

    /// <summary>
    /// Copies the WAL into the database file in the background, without holding up group commits. Under a
    /// steady stream of commits such a checkpoint never catches up with the last frame, and SQLite starts the
    /// WAL again from its beginning only when it has: the log would grow without end (gigabytes in a minute
    /// under load), every commit extending the file. So once the log holds more than
    /// <see cref="StorageOptions.WalRestartFrames"/> frames, the writer is asked to checkpoint the few frames this
    /// loop has not copied, between two group commits; its next commit then starts the log again.
    /// </summary>
    private void CheckpointLoop(string connectionString)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        while (!_stopping.Token.WaitHandle.WaitOne(CheckpointEvery))
        {
            try
            {
                var started = Stopwatch.GetTimestamp();
                var (frames, _) = CheckpointPassive(connection);
                Slow(started, "A background WAL checkpoint pass");
                FlushDatabaseFile();
                if (_options.WalRestartFrames > 0 && frames > _options.WalRestartFrames)
                {
                    // Again at once, to copy what was written while the last pass ran, until little is
                    // left: each pass is shorter than the one before, and the writer copies only the rest.
                    var passes = 0;
                    while (passes++ < 6 && CheckpointPassive(connection) is var (log, copied) && log - copied > 256)
                    {
                        // Each pass copies what came during the one before; stop once that is a MB or so.
                    }

                    FlushDatabaseFile();
                    _catchUpCheckpoint = true;
                }
            }
            catch (SqliteException ex)
            {
                _log.LogDebug(ex, "A WAL checkpoint did not complete; the next one will");
            }
        }

        Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE);");
    }

    private Task Enqueue(Write write)
    {
        ObjectDisposedException.ThrowIf(!_writes.TryWrite(write), this);

        return write.Done.Task;
    }

    private async Task<SqliteConnection> OpenReaderAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_readConnection);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static async Task<IReadOnlyList<string>> ReadStringsAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var result = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(reader.GetString(0));
        }

        return result;
    }

    /// <summary>
    /// SQLite flushes the database file only when a checkpoint has copied the whole log, which under steady
    /// writes is the writer's catch-up: it then waited for every page the background passes had copied since
    /// the last one (hundreds of MB, 40–100 ms). Flushed here after each pass, the catch-up's own flush finds
    /// only the few pages it copied itself.
    /// </summary>
    private void FlushDatabaseFile()
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            RandomAccess.FlushToDisk(_databaseFile);
            Interlocked.Increment(ref _databaseFlushes);
            Slow(started, "Flushing the database file to disk");
        }
        catch (IOException ex)
        {
            _log.LogDebug(ex, "Flushing the database file did not complete; the next checkpoint will");
        }
    }

    /// <summary>A passive checkpoint: copies what it can without waiting; answers the frames in the log and those copied.</summary>
    private static (long Log, long Copied) CheckpointPassive(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(1), reader.GetInt64(2)) : (0, 0);
    }

    /// <summary>On the writer's connection, between commits: the log is then fully copied and the next commit restarts it.</summary>
    /// <summary>A step of the writer or the checkpointer that took long enough to hold up page views: a slow disk shows here.</summary>
    private void Slow(long started, string what)
    {
        var took = Stopwatch.GetElapsedTime(started);
        if (took >= SlowStep)
        {
            _log.LogInformation("{What} took {Milliseconds:F0} ms", what, took.TotalMilliseconds);
        }
    }

    private void CatchUpCheckpoint()
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            CheckpointPassive(_connection);
            Interlocked.Increment(ref _walCatchUps);
            var took = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            _walCatchUpMs += took;
            _walCatchUpMaxMs = Math.Max(_walCatchUpMaxMs, took);
        }
        catch (SqliteException ex)
        {
            _log.LogDebug(ex, "A catch-up WAL checkpoint did not complete; the next one will");
        }
    }

    private void WriteLoop()
    {
        using var commands = new WriteCommands(_connection);
        var batch = new List<Write>(_options.MaxBatch);
        // While a purge waits for readers, the writer wakes now and then to try it again.
        while (_writes.Wait(_purges.Count > 0 ? PurgeRetryEvery : Timeout.InfiniteTimeSpan))
        {
            _writes.TakeInto(batch, _options.MaxBatch);
            if (batch.Count == 0)
            {
                TryPurge();
                continue;
            }

            try
            {
                var started = Stopwatch.GetTimestamp();
                Commit(commands, batch);
                Slow(started, "A group commit");
                Count(batch);
                foreach (var write in batch)
                {
                    Complete(write);
                }
            }
            catch (Exception ex) when (ex is SqliteException or InvalidOperationException)
            {
                // One bad write must not fail the others that shared its transaction: retry each alone.
                _log.LogWarning(ex, "Group commit of {Count} writes failed; retrying them one by one", batch.Count);
                foreach (var write in batch)
                {
                    try
                    {
                        Commit(commands, [write]);
                        Count([write]);
                        Complete(write);
                    }
                    catch (Exception single) when (single is SqliteException or InvalidOperationException)
                    {
                        write.Done.TrySetException(single);
                    }
                }
            }

            batch.Clear();
            TryPurge();
            if (_catchUpCheckpoint)
            {
                _catchUpCheckpoint = false;
                CatchUpCheckpoint();
            }
        }

        foreach (var purge in _purges)
        {
            purge.Done.TrySetException(new ObjectDisposedException(nameof(SqliteJournalStore)));
        }
    }

    private void Complete(Write write)
    {
        if (write.Kind == WriteKind.Purge)
        {
            _purges.Add(write);
        }
        else
        {
            write.Done.TrySetResult();
        }
    }

    private void TryPurge()
    {
        if (_purges.Count == 0)
        {
            return;
        }

        if (_purgeSince == 0)
        {
            _purgeSince = Environment.TickCount64;
        }

        var done = TruncateWal();
        var givenUp = !done && Environment.TickCount64 - _purgeSince > PurgeGiveUpAfter.TotalMilliseconds;
        if (!done && !givenUp)
        {
            return;
        }

        foreach (var purge in _purges)
        {
            if (done)
            {
                purge.Done.TrySetResult();
            }
            else
            {
                purge.Done.TrySetException(new InvalidOperationException("The write-ahead log could not be emptied: readers kept it busy."));
            }
        }

        _purges.Clear();
        _purgeSince = 0;
    }

    /// <summary>A checkpoint cannot run inside a transaction: between commits, on the writer's connection. False when readers kept it busy.</summary>
    private bool TruncateWal()
    {
        try
        {
            Execute(_connection, $"PRAGMA busy_timeout = {PurgeWaitMs};");
            using var command = _connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            using var reader = command.ExecuteReader();
            return reader.Read() && reader.GetInt64(0) == 0;
        }
        catch (SqliteException ex)
        {
            _log.LogDebug(ex, "Emptying the WAL did not complete; trying again");
            return false;
        }
        finally
        {
            Execute(_connection, "PRAGMA busy_timeout = 30000;");
        }
    }

    private void Count(List<Write> batch)
    {
        // The pages the commit wrote to the WAL, each a frame of its own: most of what a write costs the writer.
        if (SQLitePCL.raw.sqlite3_db_status(_connection.Handle, SQLitePCL.raw.SQLITE_DBSTATUS_CACHE_WRITE, out var pages, out _, 1) == SQLitePCL.raw.SQLITE_OK)
        {
            _pagesWritten += pages;
        }

        // The pages it had to read in first, not finding them in the writer's page cache (from the WAL or the file).
        if (SQLitePCL.raw.sqlite3_db_status(_connection.Handle, SQLitePCL.raw.SQLITE_DBSTATUS_CACHE_MISS, out var misses, out _, 1) == SQLitePCL.raw.SQLITE_OK)
        {
            _pagesRead += misses;
        }

        _commits++;
        _writeCount += batch.Count;
        long bytes = 0;
        foreach (var write in batch)
        {
            var size = write.Data?.Length ?? 0;
            bytes += size;
            if (write.Kind == WriteKind.Append)
            {
                _appendBytes += size;
            }
            else
            {
                _checkpointBytes += size;
            }
        }

        Commits.Add(1);
        Writes.Add(batch.Count);
        Bytes.Add(bytes);
        BatchSize.Record(batch.Count);
    }

    /// <summary>
    /// One transaction for the batch, begun and committed as statements: a <see cref="SqliteTransaction"/> sets
    /// and clears a SQLite rollback hook, two finalizable handles per group commit (thousands a second under
    /// load, each kept alive a collection longer for its finalizer).
    /// </summary>
    private static void Commit(WriteCommands commands, List<Write> batch)
    {
        commands.Begin();
        try
        {
            foreach (var write in batch)
            {
                commands.Run(write);
            }

            commands.Commit();
        }
        catch
        {
            commands.RollBack();
            throw;
        }
    }

    private static bool HasColumn(SqliteConnection connection, string table, string column)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM pragma_table_info('{table}') WHERE name = $column";
        command.Parameters.AddWithValue("$column", column);
        return (long)command.ExecuteScalar()! > 0;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Group commits and writes; the writer's WAL catch-ups (how many, their time in all and at most); the background
    /// flushes of the database file; the pages the commits wrote and the bytes of entries and snapshots; the CPU time the writer's and the checkpointer's threads used (null where the
    /// system does not say): the store's own cost, apart from the rest of the process.
    /// </summary>
    public readonly record struct JournalStatistics(long Commits, long Writes, long WalCatchUps, double WalCatchUpMs, double WalCatchUpMaxMs,
        long DatabaseFlushes)
    {
        /// <summary>Database pages the commits wrote (each a WAL frame).</summary>
        public long PagesWritten { get; init; }

        /// <summary>Database pages the writer read in for its commits, missing them in its page cache.</summary>
        public long PagesRead { get; init; }

        /// <summary>Bytes of entries appended, and of snapshots written, as serialized.</summary>
        public long AppendBytes { get; init; }

        public long CheckpointBytes { get; init; }

        public double? WriterCpuMs { get; init; }

        public double? CheckpointerCpuMs { get; init; }
    }

    private enum WriteKind
    {
        Append,
        /// <summary>Snapshot, and drop the entries it covers.</summary>
        Checkpoint,
        /// <summary>Snapshot only: the entries are history.</summary>
        Snapshot,
        Delete,
        Trim,
        /// <summary>Entries that owe nothing any more (<see cref="SettleAsync"/>).</summary>
        Settle,
        /// <summary>No row change: after the commit, the WAL is emptied (<see cref="PurgeDeletedAsync"/>).</summary>
        Purge,
    }

    private sealed record Write(WriteKind Kind, string Stream, long Seq, ReadOnlyMemory<byte>? Data, long At = 0)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Rows a trim deleted.</summary>
        public int Affected { get; set; }

        /// <summary>Whether an appended entry owes something (<see cref="IJournalStore.AppendAsync(string, long, ReadOnlyMemory{byte}, long, bool)"/>).</summary>
        public bool Owes { get; init; } = true;
    }

    /// <summary>
    /// The writer's prepared statements, reused for every write and run with SQLite's own API: through
    /// <see cref="SqliteCommand"/> each run allocated a binder per parameter, a data reader and a statement
    /// enumerator (5% of everything allocated under load), and found its parameters by name.
    /// </summary>
    private sealed class WriteCommands : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly Statement _begin;
        private readonly Statement _commit;
        private readonly Statement _rollBack;
        private readonly Statement _append;
        private readonly Statement _snapshot;
        private readonly Statement _trim;
        private readonly Statement _deleteSnapshot;
        private readonly Statement _deleteEntries;
        private readonly Statement _trimHistory;
        private readonly Statement _settle;

        public WriteCommands(SqliteConnection connection)
        {
            _connection = connection;
            var db = connection.Handle!;
            // IMMEDIATE, as SqliteTransaction begins: the write lock is taken up front.
            _begin = new Statement(db, "BEGIN IMMEDIATE");
            _commit = new Statement(db, "COMMIT");
            _rollBack = new Statement(db, "ROLLBACK");
            _append = new Statement(db, "INSERT OR REPLACE INTO vg_entry (stream, seq, entry, at, owes) VALUES ($stream, $seq, $data, $at, $owes)");
            _settle = new Statement(db, "UPDATE vg_entry SET owes = 0 WHERE stream = $stream AND seq >= $at AND seq <= $seq AND owes = 1");
            _trimHistory = new Statement(db, """
                DELETE FROM vg_entry WHERE (stream, seq) IN (
                    SELECT e.stream, e.seq FROM vg_entry e
                    WHERE e.at < $at AND e.stream >= $stream AND e.stream < $stream || char(65535) AND e.seq <= coalesce((SELECT s.seq FROM vg_snapshot s WHERE s.stream = e.stream), 0)
                    LIMIT $seq)
                """);
            _snapshot = new Statement(db, """
                INSERT INTO vg_snapshot (stream, seq, state, saved_at) VALUES ($stream, $seq, $data, unixepoch())
                ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq, state = excluded.state, saved_at = excluded.saved_at
                """);
            _trim = new Statement(db, "DELETE FROM vg_entry WHERE stream = $stream AND seq <= $seq");
            _deleteSnapshot = new Statement(db, "DELETE FROM vg_snapshot WHERE stream = $stream");
            _deleteEntries = new Statement(db, "DELETE FROM vg_entry WHERE stream = $stream");
        }

        public void Begin() => _begin.Run(null);

        public void Commit() => _commit.Run(null);

        /// <summary>Rolls back what the transaction wrote, if one is still open (a failed BEGIN left none).</summary>
        public void RollBack()
        {
            if (SQLitePCL.raw.sqlite3_get_autocommit(_connection.Handle) == 0)
            {
                _rollBack.Run(null);
            }
        }

        public void Run(Write write)
        {
            switch (write.Kind)
            {
                case WriteKind.Append:
                    _append.Run(write);
                    break;
                case WriteKind.Checkpoint:
                    _snapshot.Run(write);
                    _trim.Run(write);
                    break;
                case WriteKind.Snapshot:
                    _snapshot.Run(write);
                    break;
                case WriteKind.Trim:
                    write.Affected = _trimHistory.Run(write);
                    break;
                case WriteKind.Settle:
                    _settle.Run(write);
                    break;
                case WriteKind.Delete:
                    _deleteSnapshot.Run(write);
                    _deleteEntries.Run(write);
                    break;
            }
        }

        public void Dispose()
        {
            _begin.Dispose();
            _commit.Dispose();
            _rollBack.Dispose();
            _append.Dispose();
            _snapshot.Dispose();
            _trim.Dispose();
            _deleteSnapshot.Dispose();
            _deleteEntries.Dispose();
            _trimHistory.Dispose();
            _settle.Dispose();
        }
    }

    /// <summary>
    /// One prepared statement and where its parameters are ($stream, $seq, $data, $at, $owes: 0 when absent).
    /// Failures surface as <see cref="SqliteException"/>, as from Microsoft.Data.Sqlite; the connection's
    /// busy_timeout does the waiting for locks.
    /// </summary>
    private sealed class Statement : IDisposable
    {
        private readonly SQLitePCL.sqlite3 _db;
        private readonly SQLitePCL.sqlite3_stmt _statement;
        private readonly int _stream;
        private readonly int _seq;
        private readonly int _data;
        private readonly int _at;
        private readonly int _owes;

        public Statement(SQLitePCL.sqlite3 db, string sql)
        {
            _db = db;
            Check(SQLitePCL.raw.sqlite3_prepare_v2(db, sql, out _statement));
            _stream = SQLitePCL.raw.sqlite3_bind_parameter_index(_statement, "$stream");
            _seq = SQLitePCL.raw.sqlite3_bind_parameter_index(_statement, "$seq");
            _data = SQLitePCL.raw.sqlite3_bind_parameter_index(_statement, "$data");
            _at = SQLitePCL.raw.sqlite3_bind_parameter_index(_statement, "$at");
            _owes = SQLitePCL.raw.sqlite3_bind_parameter_index(_statement, "$owes");
        }

        /// <summary>Runs the statement to its end with the write's values; answers the rows it changed.</summary>
        public int Run(Write? write)
        {
            try
            {
                if (write is not null)
                {
                    Bind(write);
                }

                int result;
                while ((result = SQLitePCL.raw.sqlite3_step(_statement)) == SQLitePCL.raw.SQLITE_ROW)
                {
                }

                Check(result == SQLitePCL.raw.SQLITE_DONE ? SQLitePCL.raw.SQLITE_OK : result);
                return SQLitePCL.raw.sqlite3_changes(_db);
            }
            finally
            {
                SQLitePCL.raw.sqlite3_reset(_statement);
                SQLitePCL.raw.sqlite3_clear_bindings(_statement);
            }
        }

        public void Dispose() => _statement.Dispose();

        private void Bind(Write write)
        {
            if (_stream > 0)
            {
                // SQLite copies the text (SQLITE_TRANSIENT): it may be encoded on the stack.
                var length = System.Text.Encoding.UTF8.GetMaxByteCount(write.Stream.Length);
                Span<byte> utf8 = length <= 1024 ? stackalloc byte[length] : new byte[length];
                var written = System.Text.Encoding.UTF8.GetBytes(write.Stream, utf8);
                Check(SQLitePCL.raw.sqlite3_bind_text(_statement, _stream, utf8[..written]));
            }

            if (_seq > 0)
            {
                Check(SQLitePCL.raw.sqlite3_bind_int64(_statement, _seq, write.Seq));
            }

            if (_data > 0)
            {
                // An empty blob is bound as one, not as NULL (a zero-length pointer would be taken for NULL).
                Check(write.Data switch
                {
                    null => SQLitePCL.raw.sqlite3_bind_null(_statement, _data),
                    { Length: 0 } => SQLitePCL.raw.sqlite3_bind_zeroblob(_statement, _data, 0),
                    { } data => SQLitePCL.raw.sqlite3_bind_blob(_statement, _data, data.Span),
                });
            }

            if (_at > 0)
            {
                Check(SQLitePCL.raw.sqlite3_bind_int64(_statement, _at, write.At));
            }

            if (_owes > 0)
            {
                Check(SQLitePCL.raw.sqlite3_bind_int(_statement, _owes, write.Owes ? 1 : 0));
            }
        }

        private void Check(int result)
        {
            if (result != SQLitePCL.raw.SQLITE_OK)
            {
                throw new SqliteException(
                    $"SQLite Error {result}: '{SQLitePCL.raw.sqlite3_errmsg(_db).utf8_to_string()}'.", result, SQLitePCL.raw.sqlite3_extended_errcode(_db));
            }
        }
    }
}
