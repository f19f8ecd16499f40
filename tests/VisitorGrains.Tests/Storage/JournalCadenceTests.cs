using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using VisitorGrains.Grains.Storage;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.Storage;

/// <summary>When a journal asks for a checkpoint: after enough entries, and for a large state only once they weigh as much as it.</summary>
public sealed class JournalCadenceTests : IAsyncLifetime
{
    private const int Every = 8;
    private const string Entry = "a page view of about a hundred bytes, as an entry of the journal would carry it: /pricing";

    private readonly TempDirectory _dir = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddSerializer().BuildServiceProvider();
    private SqliteJournalStore _store = null!;

    private Serializer Serializer => _services.GetRequiredService<Serializer>();

    public Task InitializeAsync()
    {
        _store = Open();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await _services.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task ASmallState_IsCheckpointedEveryNEntries()
    {
        var journal = new Journal<string, string>(_store, Serializer, "company/demo/small", Every);
        await journal.LoadAsync();
        Assert.Equal([Every, 2 * Every, 3 * Every], await AppendCheckpointingWhenDueAsync(journal, "small state", 3 * Every));
    }

    [Fact]
    public async Task ALargeState_WaitsUntilTheEntriesSinceWeighAsMuchAsItsLastCheckpoint()
    {
        var state = new string('v', 4_000);
        var journal = new Journal<string, string>(_store, Serializer, "company/demo/large", Every);
        await journal.LoadAsync();
        await journal.AppendAsync(Entry, 1);
        await journal.CheckpointAsync(state);

        var entryBytes = Serializer.SerializeToArray(Entry).Length;
        var checkpointBytes = Serializer.SerializeToArray(state).Length;
        var expectedGap = (int)Math.Ceiling(checkpointBytes / (double)entryBytes);
        Assert.True(expectedGap > Every, $"the state ({checkpointBytes} B) should outweigh {Every} entries of {entryBytes} B");

        var checkpoints = await AppendCheckpointingWhenDueAsync(journal, state, 3 * expectedGap);
        Assert.Equal([1 + expectedGap, 1 + 2 * expectedGap, 1 + 3 * expectedGap], checkpoints);

        // Reloaded, the journal knows its checkpoint's size and the entries after it: the cadence goes on.
        for (var i = 0; i < expectedGap - 1; i++)
        {
            await journal.AppendAsync(Entry, 2);
        }

        var reloaded = new Journal<string, string>(_store, Serializer, "company/demo/large", Every);
        var (loaded, entries) = await reloaded.LoadAsync();
        Assert.Equal(state, loaded);
        Assert.Equal(expectedGap - 1, entries.Count);
        Assert.False(reloaded.CheckpointDue);
        await reloaded.AppendAsync(Entry, 3);
        Assert.True(reloaded.CheckpointDue);
    }

    /// <summary>
    /// Journals serialize into pooled buffers and give them back once the store has committed: with many
    /// journals writing at once (the buffers reused over and over), every entry and checkpoint stored must
    /// still be the one written.
    /// </summary>
    [Fact]
    public async Task ManyJournalsAtOnce_StoreExactlyWhatEachWrote()
    {
        var journals = Enumerable.Range(0, 100).Select(i => new Journal<string, string>(_store, Serializer, $"company/demo/pooled{i}", Every)).ToList();
        await Task.WhenAll(journals.Select(async (journal, i) =>
        {
            await journal.LoadAsync();
            for (var n = 1; n <= 2 * Every + 3; n++)
            {
                await journal.AppendAsync($"entry {n} of journal {i} " + new string((char)('a' + (i % 26)), n * 37 % 900), n);
                if (n == Every)
                {
                    await journal.CheckpointAsync($"state of journal {i} at {n} " + new string('s', 2_000 + i));
                }
            }
        }));

        for (var i = 0; i < journals.Count; i++)
        {
            var (state, entries) = await new Journal<string, string>(_store, Serializer, $"company/demo/pooled{i}", Every).LoadAsync();
            Assert.Equal($"state of journal {i} at {Every} " + new string('s', 2_000 + i), state);
            Assert.Equal(Enumerable.Range(Every + 1, Every + 3).Select(n => $"entry {n} of journal {i} " + new string((char)('a' + (i % 26)), n * 37 % 900)),
                entries.Select(e => e.Entry));
        }
    }

    /// <summary>Appends <paramref name="count"/> entries, checkpointing whenever one is due; the sequences checkpointed.</summary>
    private static async Task<List<long>> AppendCheckpointingWhenDueAsync(Journal<string, string> journal, string state, int count)
    {
        var checkpoints = new List<long>();
        for (var i = 0; i < count; i++)
        {
            await journal.AppendAsync(Entry, 2);
            if (journal.CheckpointDue)
            {
                await journal.CheckpointAsync(state);
                checkpoints.Add(journal.CheckpointSeq);
            }
        }

        return checkpoints;
    }

    private SqliteJournalStore Open() =>
        new(Options.Create(new StorageOptions { Path = Path.Combine(_dir.Path, "vg.db") }), NullLogger<SqliteJournalStore>.Instance);
}
