using VisitorGrains.Grains.Storage;

namespace VisitorGrains.Tests.Grains;

/// <summary>The real store, with <paramref name="before"/> awaited before each company append: a delay, or a failure.</summary>
internal sealed class CompanyAppendsHook(IJournalStore store, Func<Task> before) : IJournalStore
{
    public async Task AppendAsync(string stream, long seq, ReadOnlyMemory<byte> entry, long at, bool owes = true)
    {
        if (stream.StartsWith(StreamNames.CompanyPrefix, StringComparison.Ordinal))
        {
            await before();
        }

        await store.AppendAsync(stream, seq, entry, at, owes);
    }

    public Task SettleAsync(string stream, long from, long through) => store.SettleAsync(stream, from, through);

    public Task<StoredStream> LoadAsync(string stream, CancellationToken cancellationToken = default) => store.LoadAsync(stream, cancellationToken);

    public Task CheckpointAsync(string stream, long seq, ReadOnlyMemory<byte> snapshot, bool keepEntries = false) =>
        store.CheckpointAsync(stream, seq, snapshot, keepEntries);

    public IAsyncEnumerable<HistoryEntry> HistoryAsync(string prefix, long from, long to, CancellationToken cancellationToken = default) =>
        store.HistoryAsync(prefix, from, to, cancellationToken);

    public Task<long> CountHistoryAsync(string prefix, long from, long to, CancellationToken cancellationToken = default) =>
        store.CountHistoryAsync(prefix, from, to, cancellationToken);

    public Task<int> TrimHistoryAsync(string prefix, long before, int max) => store.TrimHistoryAsync(prefix, before, max);

    public Task<IReadOnlyList<string>> StreamsWithEntriesBeforeAsync(string prefix, long before, int max, CancellationToken cancellationToken = default) =>
        store.StreamsWithEntriesBeforeAsync(prefix, before, max, cancellationToken);

    public Task DeleteAsync(string stream) => store.DeleteAsync(stream);

    public Task PurgeDeletedAsync() => store.PurgeDeletedAsync();

    public Task<IReadOnlyList<string>> PendingStreamsAsync(CancellationToken cancellationToken = default) => store.PendingStreamsAsync(cancellationToken);

    public Task<IReadOnlyList<string>> StreamsAsync(string prefix, int max, CancellationToken cancellationToken = default) =>
        store.StreamsAsync(prefix, max, cancellationToken);
}
