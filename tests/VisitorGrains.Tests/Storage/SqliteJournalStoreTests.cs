using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VisitorGrains.Grains.Storage;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.Storage;

public sealed class SqliteJournalStoreTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private SqliteJournalStore _store = null!;

    public Task InitializeAsync()
    {
        _store = Open();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _dir.Dispose();
    }

    private SqliteJournalStore Open() =>
        new(Options.Create(new StorageOptions { Path = Path.Combine(_dir.Path, "vg.db") }), NullLogger<SqliteJournalStore>.Instance);

    [Fact]
    public async Task ConcurrentAppends_AreAllDurable_AfterReopening()
    {
        await Task.WhenAll(Enumerable.Range(0, 50).SelectMany(stream =>
            Enumerable.Range(1, 20).Select(seq => _store.AppendAsync($"visitor/demo/v{stream}", seq, [(byte)seq], seq))));
        await _store.DisposeAsync();
        _store = Open();

        var loaded = await _store.LoadAsync("visitor/demo/v7");
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), loaded.Entries.Select(e => e.Seq));
        Assert.Equal(50, (await _store.PendingStreamsAsync()).Count);
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

        Assert.Equal(2, await _store.TrimHistoryAsync(3500, 2));
        Assert.Equal(1, await _store.TrimHistoryAsync(3500, 2));
        Assert.Equal(0, await _store.TrimHistoryAsync(3500, 2));

        Assert.Equal(1, await _store.CountHistoryAsync("visitor/demo/", 0, 5000));
        Assert.Equal(1, await _store.CountHistoryAsync("visitor/other/", 0, 5000));
    }
}
