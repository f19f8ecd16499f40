using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using VisitorGrains.Grains.Postgres;
using VisitorGrains.Grains.Storage;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.Storage;

/// <summary>The embedded store: SQLite in a folder.</summary>
public sealed class SqliteJournalStoreTests : JournalStoreContract
{
    private readonly TempDirectory _dir = new();

    protected override Task<IJournalStore> OpenAsync() => Task.FromResult<IJournalStore>(
        new SqliteJournalStore(Options.Create(new StorageOptions { Path = Path.Combine(_dir.Path, "vg.db") }), NullLogger<SqliteJournalStore>.Instance));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>
    /// A store written before entries said whether they owe anything: each of its entries past a checkpoint
    /// may, as recovery took them then, until the grain settles or checkpoints it.
    /// </summary>
    [Fact]
    public async Task AnOlderStoresEntries_AllOwe_UntilSettled()
    {
        await DisposeStoreAsync();
        var path = Path.Combine(_dir.Path, "vg.db");
        File.Delete(path);
        await using (var old = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await old.OpenAsync();
            await using var command = old.CreateCommand();
            command.CommandText = """
                CREATE TABLE vg_snapshot (stream TEXT NOT NULL UNIQUE, seq INTEGER NOT NULL, state BLOB NOT NULL, saved_at INTEGER NOT NULL);
                CREATE TABLE vg_entry (stream TEXT NOT NULL, seq INTEGER NOT NULL, entry BLOB NOT NULL, at INTEGER NOT NULL DEFAULT 0, UNIQUE (stream, seq));
                INSERT INTO vg_entry (stream, seq, entry, at) VALUES ('visitor/demo/v_older', 1, x'01', 1000);
                """;
            await command.ExecuteNonQueryAsync();
        }

        await OpenStoreAsync();

        Assert.Equal(["visitor/demo/v_older"], await Store.PendingStreamsAsync());
        Assert.True(Assert.Single((await Store.LoadAsync("visitor/demo/v_older")).Entries).Owes);
        await Store.SettleAsync("visitor/demo/v_older", 1, 1);
        Assert.Empty(await Store.PendingStreamsAsync());
    }

    /// <summary>
    /// Writes are answered off the writer's thread: a caller whose continuation runs synchronously and blocks
    /// (here until a later write is durable) holds up neither the writer nor the commits after its own. Were
    /// answers given on the writer's thread, the later write would never be committed.
    /// </summary>
    [Fact]
    public async Task ACallerBlockingInItsContinuation_DoesNotStopTheWriter()
    {
        var blocking = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var later = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Attached from a pool thread: should the write be answered before the continuation is attached, the
        // continuation runs at once on the attaching thread, which must not be the test's own.
        var blocked = Task.Run(() => Store.AppendAsync("visitor/demo/v_first", 1, [1], 1).ContinueWith(_ =>
        {
            blocking.SetResult();
            return later.Task.Wait(TimeSpan.FromMinutes(1));
        }, TaskContinuationOptions.ExecuteSynchronously));
        await blocking.Task; // the first write is answered, and its caller now blocks

        await Store.AppendAsync("visitor/demo/v_first", 2, [2], 2);
        await Store.AppendAsync("visitor/demo/v_second", 1, [3], 3);
        later.SetResult();

        Assert.True(await blocked, "the blocked caller's later write was not committed");
        Assert.Equal([1L, 2L], (await Store.LoadAsync("visitor/demo/v_first")).Entries.Select(e => e.Seq));
    }

    /// <summary>
    /// A write SQLite refuses (here a trigger refuses one visitor's entries) fails alone: the group commit it
    /// shared is rolled back and its other writes are committed one by one. Also what SQLite's own errors look
    /// like from the writer's prepared statements: a <see cref="Microsoft.Data.Sqlite.SqliteException"/> with the code.
    /// </summary>
    [Fact]
    public async Task AWriteSqliteRefuses_FailsAlone_AndTheOthersInItsCommitAreDurable()
    {
        await Store.AppendAsync("visitor/demo/v_good", 1, [1, 1, 2], 1); // the writer's statements are prepared by now
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dir.Path, "vg.db")}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TRIGGER refuse_bad BEFORE INSERT ON vg_entry WHEN NEW.stream = 'visitor/demo/v_bad'
                BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;
                """;
            await command.ExecuteNonQueryAsync();
        }

        var good = Enumerable.Range(2, 200).Select(seq => Store.AppendAsync("visitor/demo/v_good", seq, [(byte)seq, 1, 2], seq)).ToList();
        var bad = Store.AppendAsync("visitor/demo/v_bad", 1, [9], 1);
        good.AddRange(Enumerable.Range(202, 199).Select(seq => Store.AppendAsync("visitor/demo/v_good", seq, [(byte)seq, 1, 2], seq)));

        var refused = await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => bad);
        Assert.Equal(19, refused.SqliteErrorCode); // SQLITE_CONSTRAINT
        Assert.Contains("refused by the test", refused.Message, StringComparison.Ordinal);
        await Task.WhenAll(good);
        await ((IAsyncDisposable)Store).DisposeAsync();
        await using var reopened = (SqliteJournalStore)await OpenAsync();

        var loaded = await reopened.LoadAsync("visitor/demo/v_good");
        Assert.Equal(Enumerable.Range(1, 400).Select(i => (long)i), loaded.Entries.Select(e => e.Seq));
        Assert.Equal([(byte)7, 1, 2], loaded.Entries[6].Entry);
        Assert.Empty((await reopened.LoadAsync("visitor/demo/v_bad")).Entries);
    }

    /// <summary>
    /// Under a steady stream of group commits the background checkpoint never catches up with the last frame,
    /// and SQLite restarts its log only when one has: without the writer's catch-up the WAL grows by every
    /// byte written. Here writers never pause, and the log must stay within its few frames' bound.
    /// </summary>
    [Fact]
    public async Task TheWal_StaysBounded_UnderWritesThatNeverPause()
    {
        const int Frames = 256;
        var path = Path.Combine(_dir.Path, "bounded.db");
        var wal = new FileInfo(path + "-wal");
        await using var store = new SqliteJournalStore(Options.Create(new StorageOptions { Path = path, WalRestartFrames = Frames }),
            NullLogger<SqliteJournalStore>.Instance);
        var entry = new byte[1500];
        Random.Shared.NextBytes(entry);
        long written = 0;
        var sizes = new List<(TimeSpan At, long Bytes)>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            // A millisecond apart: a busy site's pace, never a pause long enough for a checkpoint to catch up.
            for (var seq = 1; seq <= 20_000 && !stop.IsCancellationRequested; seq++)
            {
                await store.AppendAsync($"visitor/demo/v_{w}_{seq % 500}", seq, entry, seq);
                Interlocked.Add(ref written, entry.Length);
                await Task.Delay(1);
            }
        })).ToList();
        while (!writers.All(t => t.IsCompleted))
        {
            await Task.Delay(50);
            wal.Refresh();
            sizes.Add((clock.Elapsed, wal.Exists ? wal.Length : 0));
        }

        await Task.WhenAll(writers);
        // Every entry stays in the log's frames until the log starts again: never restarted, it ends two or
        // three times larger than all that was written (a page per write). Restarted past its bound (and cut
        // back to twice it), it holds only what came since the last restart: over the run's second half,
        // less than what was written.
        var secondHalf = sizes.Where(s => s.At > clock.Elapsed / 2).Max(s => s.Bytes);
        Assert.True(written > 2L * 2 * Frames * 4096, $"the writers should have written far more than the bound: {written} B");
        Assert.True(secondHalf < written, $"the WAL reached {secondHalf} B in the run's second half, of {written} B written");

        // The writer caught up; the background checkpoint flushed the database file as it went, so each catch-up
        // flushed only the pages it copied itself (SQLite flushes the file only once the whole log is copied).
        var statistics = store.Statistics;
        Assert.True(statistics.WalCatchUps > 0, $"the writer never caught the log up: {statistics}");
        Assert.True(statistics.DatabaseFlushes > 0, $"the background checkpoint never flushed the database file: {statistics}");
        Assert.True(statistics.Writes > 0 && statistics.Commits > 0 && statistics.Commits <= statistics.Writes, statistics.ToString());
    }

    [Fact]
    public async Task APurge_LeavesNoDeletedBytesInTheFiles()
    {
        var secret = await StoreEraseAndPurgeAsync("v_secret_visitor_42");

        foreach (var file in Directory.EnumerateFiles(_dir.Path))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            Assert.True(buffer.GetBuffer().AsSpan(0, (int)buffer.Length).IndexOf(secret) < 0, $"found in {Path.GetFileName(file)}");
        }

        Assert.Equal(["visitor/demo/v_kept"], await Store.StreamsAsync("visitor/", 10));
    }

    [Fact]
    public async Task APurgeWaitsForALongRead_WithoutHoldingUpWrites_ThenLeavesNothing()
    {
        var secret = "v_secret_visitor_43"u8.ToArray();
        await Store.AppendAsync("visitor/demo/v_secret_visitor_43", 1, secret, 1000);
        await Store.DeleteAsync("visitor/demo/v_secret_visitor_43");

        Task purge;
        // A long read (a backtest's) on the snapshot from before the delete.
        await using (var reader = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dir.Path, "vg.db")};Mode=ReadOnly"))
        {
            await reader.OpenAsync();
            await using var tx = reader.BeginTransaction(deferred: true);
            await using var read = reader.CreateCommand();
            read.Transaction = tx;
            read.CommandText = "SELECT count(*) FROM vg_entry";
            await read.ExecuteScalarAsync();

            purge = Store.PurgeDeletedAsync();
            await Store.AppendAsync("visitor/demo/v_kept", 1, [1], 1000); // writes go on meanwhile
        }

        await purge;

        Assert.Equal(0, new FileInfo(Path.Combine(_dir.Path, "vg.db-wal")).Length);
        Assert.DoesNotContain(Directory.EnumerateFiles(_dir.Path), file =>
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            return buffer.GetBuffer().AsSpan(0, (int)buffer.Length).IndexOf(secret) >= 0;
        });
        Assert.Single((await Store.LoadAsync("visitor/demo/v_kept")).Entries);
    }
}

/// <summary>Cluster mode's store: a real PostgreSQL server, a database of its own.</summary>
public sealed class PostgresJournalStoreTests : JournalStoreContract
{
    private NpgsqlDataSource? _data;

    protected override async Task<IJournalStore> OpenAsync()
    {
        if (_data is not null)
        {
            await _data.DisposeAsync();
        }

        _data = NpgsqlDataSource.Create(_connection ??= await PostgresServer.CreateDatabaseAsync());
        return new PostgresJournalStore(_data, Options.Create(new StorageOptions()), NullLogger<PostgresJournalStore>.Instance);
    }

    private string? _connection;

    [Fact]
    public async Task APurge_LeavesNoDeletedRowVersionsInTheTables()
    {
        var secret = await StoreEraseAndPurgeAsync("v_secret_visitor_44");

        await using var command = _data!.CreateCommand("""
            SELECT (SELECT count(*) FROM vg_entry WHERE position(@secret in entry) > 0 OR stream LIKE '%secret%')
                 + (SELECT count(*) FROM vg_snapshot WHERE position(@secret in state) > 0 OR stream LIKE '%secret%')
            """);
        command.Parameters.AddWithValue("secret", secret);
        Assert.Equal(0L, await command.ExecuteScalarAsync());
        // VACUUM ran: no dead row versions are left to read back.
        await using var dead = _data.CreateCommand("SELECT coalesce(sum(n_dead_tup), 0) FROM pg_stat_user_tables WHERE relname IN ('vg_entry', 'vg_snapshot')");
        Assert.Equal(0L, Convert.ToInt64(await dead.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(["visitor/demo/v_kept"], await Store.StreamsAsync("visitor/", 10));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_data is not null)
        {
            await _data.DisposeAsync();
        }
    }
}

/// <summary>What every journal store does, whichever database holds it.</summary>
public abstract class JournalStoreContract : IAsyncLifetime
{
    /// <summary>
    /// Stores a visitor's entry and checkpoint (its id as their bytes) beside another visitor's, deletes the
    /// first and purges: what a purge test then searches the store for. Answers the bytes to search.
    /// </summary>
    protected async Task<byte[]> StoreEraseAndPurgeAsync(string visitor)
    {
        var secret = System.Text.Encoding.UTF8.GetBytes(visitor);
        await Store.AppendAsync($"visitor/demo/{visitor}", 1, secret, 1000);
        await Store.CheckpointAsync($"visitor/demo/{visitor}", 1, secret, keepEntries: true);
        await Store.AppendAsync("visitor/demo/v_kept", 1, [1], 1000);

        await Store.DeleteAsync($"visitor/demo/{visitor}");
        await Store.PurgeDeletedAsync();
        return secret;
    }

    private IJournalStore _store = null!;

    protected IJournalStore Store => _store;

    protected abstract Task<IJournalStore> OpenAsync();

    public async Task InitializeAsync() => _store = await OpenAsync();

    public virtual async Task DisposeAsync() => await ((IAsyncDisposable)_store).DisposeAsync();

    private async Task ReopenAsync()
    {
        await DisposeStoreAsync();
        await OpenStoreAsync();
    }

    protected Task DisposeStoreAsync() => ((IAsyncDisposable)_store).DisposeAsync().AsTask();

    protected async Task OpenStoreAsync() => _store = await OpenAsync();

    [Fact]
    public async Task ConcurrentAppends_AreAllDurable_AfterReopening()
    {
        await Task.WhenAll(Enumerable.Range(0, 50).SelectMany(stream =>
            Enumerable.Range(1, 20).Select(seq => _store.AppendAsync($"visitor/demo/v{stream}", seq, [(byte)seq], seq))));
        await ReopenAsync();

        var loaded = await _store.LoadAsync("visitor/demo/v7");
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), loaded.Entries.Select(e => e.Seq));
        Assert.Equal(50, (await _store.PendingStreamsAsync()).Count);
    }

    [Fact]
    public async Task OnlyEntriesThatStillOwe_AreRecoveredAfterACrash()
    {
        // An unidentified visitor's page views owe nothing; a company visitor's owe its company until settled.
        await _store.AppendAsync("visitor/demo/v_isp", 1, [1], 1000, owes: false);
        await _store.AppendAsync("visitor/demo/v_isp", 2, [2], 2000, owes: false);
        for (var seq = 1; seq <= 4; seq++)
        {
            await _store.AppendAsync("visitor/demo/v_acme", seq, [(byte)seq], seq * 1000);
        }

        Assert.Equal(["visitor/demo/v_acme"], await _store.PendingStreamsAsync());

        // The company confirmed 1–2 and then 3: entry 4 still owes.
        await _store.SettleAsync("visitor/demo/v_acme", 1, 2);
        await _store.SettleAsync("visitor/demo/v_acme", 3, 3);
        await ReopenAsync();

        Assert.Equal(["visitor/demo/v_acme"], await _store.PendingStreamsAsync());
        var loaded = await _store.LoadAsync("visitor/demo/v_acme");
        Assert.Equal([(1L, false), (2L, false), (3L, false), (4L, true)], loaded.Entries.Select(e => (e.Seq, e.Owes)));
        Assert.Equal([(1L, false), (2L, false)], (await _store.LoadAsync("visitor/demo/v_isp")).Entries.Select(e => (e.Seq, e.Owes)));

        await _store.SettleAsync("visitor/demo/v_acme", 4, 4);
        Assert.Empty(await _store.PendingStreamsAsync());
        // Settled entries are still the visitor's history.
        Assert.Equal(4, await _store.CountHistoryAsync("visitor/demo/v_acme", 0, 10_000));
    }

    [Fact]
    public async Task Checkpoint_ReplacesTheEntriesItCovers()
    {
        for (var seq = 1; seq <= 5; seq++)
        {
            await _store.AppendAsync("company/demo/x", seq, [(byte)seq], seq);
        }

        await _store.CheckpointAsync("company/demo/x", 3, [42]);

        var loaded = await _store.LoadAsync("company/demo/x");
        Assert.Equal(3, loaded.SnapshotSeq);
        Assert.Equal([42], loaded.Snapshot);
        Assert.Equal([4L, 5L], loaded.Entries.Select(e => e.Seq));
    }

    [Fact]
    public async Task CheckpointedEntries_AreDeleted_OnlyThoseTheCheckpointCovers()
    {
        for (var stream = 0; stream < 3; stream++)
        {
            for (var seq = 1; seq <= 5; seq++)
            {
                await _store.AppendAsync($"company/demo/c{stream}.com", seq, [(byte)seq], 10_000 + seq);
            }
        }

        await _store.CheckpointAsync("company/demo/c0.com", 4, [40]);
        await _store.CheckpointAsync("company/demo/c1.com", 5, [50]);

        Assert.Equal(6, await _store.CountHistoryAsync("company/demo/", 0, 20_000)); // c0's fifth and c2's five
        await _store.CheckpointAsync("company/demo/c2.com", 5, [50]);
        await ReopenAsync();
        Assert.Equal(1, await _store.CountHistoryAsync("company/demo/", 0, 20_000));
        Assert.Equal([5L], (await _store.LoadAsync("company/demo/c0.com")).Entries.Select(e => e.Seq));
    }

    [Fact]
    public async Task AStreamErasedAndBegunAgain_KeepsItsNewEntries_NotItsOldCheckpoint()
    {
        for (var seq = 1; seq <= 5; seq++)
        {
            await _store.AppendAsync("company/demo/x.com", seq, [(byte)seq], seq);
        }

        await _store.CheckpointAsync("company/demo/x.com", 5, [50]);
        await _store.DeleteAsync("company/demo/x.com"); // erased (a data subject's request), then seen again:
        await _store.AppendAsync("company/demo/x.com", 1, [1], 100);
        await _store.AppendAsync("company/demo/x.com", 2, [2], 101);

        var loaded = await _store.LoadAsync("company/demo/x.com");
        Assert.Null(loaded.Snapshot);
        Assert.Equal([1L, 2L], loaded.Entries.Select(e => e.Seq));
        await ReopenAsync();
        Assert.Equal([1L, 2L], (await _store.LoadAsync("company/demo/x.com")).Entries.Select(e => e.Seq));
    }

    [Fact]
    public async Task Streams_AreListedByPrefix()
    {
        await _store.CheckpointAsync("company/demo/a.com", 1, [1]);
        await _store.AppendAsync("company/demo/b.com", 1, [1], 1);
        await _store.AppendAsync("company/other/c.com", 1, [1], 1);

        Assert.Equal(["company/demo/a.com", "company/demo/b.com"], await _store.StreamsAsync("company/demo/", 10));
    }

    [Fact]
    public async Task History_IsKeptPastACheckpoint_UntilRetentionTrimsIt()
    {
        for (var seq = 1; seq <= 4; seq++)
        {
            await _store.AppendAsync("visitor/demo/v_1", seq, [(byte)seq], seq * 1000);
        }

        await _store.AppendAsync("visitor/other/v_2", 1, [9], 1500);
        await _store.CheckpointAsync("visitor/demo/v_1", 3, [42], keepEntries: true);

        var loaded = await _store.LoadAsync("visitor/demo/v_1");
        Assert.Equal([4L], loaded.Entries.Select(e => e.Seq));
        Assert.Equal(["visitor/demo/v_1", "visitor/other/v_2"], await _store.PendingStreamsAsync());
        var history = new List<HistoryEntry>();
        await foreach (var entry in _store.HistoryAsync("visitor/demo/", 2000, 5000))
        {
            history.Add(entry);
        }

        Assert.Equal([2L, 3L, 4L], history.Select(h => h.Seq));
        Assert.Equal(3, await _store.CountHistoryAsync("visitor/demo/", 2000, 5000));

        Assert.Equal(2, await _store.TrimHistoryAsync("", 3500, 2));
        Assert.Equal(1, await _store.TrimHistoryAsync("", 3500, 2));
        Assert.Equal(0, await _store.TrimHistoryAsync("", 3500, 2));

        Assert.Equal(1, await _store.CountHistoryAsync("visitor/demo/", 0, 5000));
        Assert.Equal(1, await _store.CountHistoryAsync("visitor/other/", 0, 5000));
    }

    [Fact]
    public async Task OneSitesRetention_FindsAndTrimsOnlyItsOwnOldStreams()
    {
        await _store.AppendAsync("visitor/demo/v_old", 1, [1], 1000);
        await _store.AppendAsync("visitor/demo/v_new", 1, [2], 9000);
        await _store.AppendAsync("visitor/demo2/v_old", 1, [3], 1000);
        foreach (var stream in new[] { "visitor/demo/v_old", "visitor/demo/v_new", "visitor/demo2/v_old" })
        {
            await _store.CheckpointAsync(stream, 1, [0], keepEntries: true);
        }

        Assert.Equal(["visitor/demo/v_old"], await _store.StreamsWithEntriesBeforeAsync("visitor/demo/", 5000, 10));
        Assert.Equal(1, await _store.TrimHistoryAsync("visitor/demo/", 5000, 10));

        Assert.Empty(await _store.StreamsWithEntriesBeforeAsync("visitor/demo/", 5000, 10));
        Assert.Equal(["visitor/demo2/v_old"], await _store.StreamsWithEntriesBeforeAsync("visitor/", 5000, 10));
        Assert.Equal(1, await _store.CountHistoryAsync("visitor/demo/", 0, 10_000));
    }
}
