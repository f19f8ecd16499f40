using System.Collections.Concurrent;
using VisitorGrains.Domain.Sites;
using VisitorGrains.Grains.Abstractions;

namespace VisitorGrains.Grains.Sites;

/// <summary>
/// Every node's cache of compiled sites. The hot path reads a ready <see cref="SiteSnapshot"/>; a site is
/// compiled once per version. Changes arrive through the notifier at once; as a safety net an entry
/// older than <see cref="RecheckAfter"/> asks its site grain for the version (cheap) in the background.
/// </summary>
public sealed class SiteDirectory(IGrainFactory grains, TimeProvider time)
{
    public static readonly TimeSpan RecheckAfter = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>The loads under way, one per site not cached (held only while they run).</summary>
    private readonly ConcurrentDictionary<string, Task<SiteSnapshot?>> _loading = new(StringComparer.Ordinal);

    /// <summary>The compiled site, or null when there is no such site.</summary>
    public ValueTask<SiteSnapshot?> GetAsync(string site)
    {
        if (_entries.TryGetValue(site, out var entry))
        {
            if (time.GetUtcNow() - entry.CheckedAt > RecheckAfter)
            {
                _ = RecheckAsync(site, entry);
            }

            return ValueTask.FromResult(entry.Snapshot);
        }

        return new ValueTask<SiteSnapshot?>(LoadOnceAsync(site));
    }

    /// <summary>
    /// Reads of a site not cached that come together share one load. A site grain for a name no site has
    /// lets itself go at once; a crowd of calls queued behind it (a busy company's contributions, bodies
    /// naming a site that does not exist) was forwarded from one activation to the next until Orleans
    /// rejected them. The load runs outside the first caller's grain, which may be gone before it ends.
    /// </summary>
    private Task<SiteSnapshot?> LoadOnceAsync(string site)
    {
        var mine = new TaskCompletionSource<SiteSnapshot?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var loading = _loading.GetOrAdd(site, mine.Task);
        if (loading == mine.Task)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    mine.SetResult(await LoadAsync(site));
                }
                catch (Exception ex)
                {
                    mine.SetException(ex);
                }
                finally
                {
                    _loading.TryRemove(new KeyValuePair<string, Task<SiteSnapshot?>>(site, mine.Task));
                }
            });
        }

        return loading;
    }

    /// <summary>Drops the cached site so that the next read compiles the new version.</summary>
    public void Invalidate(string site, long version = long.MaxValue)
    {
        if (_entries.TryGetValue(site, out var entry) && (entry.Snapshot?.Version ?? -1) < version)
        {
            _entries.TryRemove(new KeyValuePair<string, Entry>(site, entry));
        }
    }

    private async Task<SiteSnapshot?> LoadAsync(string site)
    {
        var checkedAt = time.GetUtcNow();
        var definition = await grains.GetGrain<ISiteGrain>(site).GetAsync();
        if (definition is null)
        {
            // Unknown sites are not remembered: anyone can name one, and the cache must stay bounded.
            return null;
        }

        var snapshot = new SiteSnapshot(definition);
        var fresh = new Entry(snapshot, checkedAt);
        // A slow load must not put back an older version than one cached meanwhile.
        _entries.AddOrUpdate(site, fresh, (_, cached) => (cached.Snapshot?.Version ?? -1) > snapshot.Version ? cached : fresh);
        return snapshot;
    }

    private async Task RecheckAsync(string site, Entry entry)
    {
        if (Interlocked.Exchange(ref entry.Rechecking, 1) == 1)
        {
            return;
        }

        try
        {
            var version = await grains.GetGrain<ISiteGrain>(site).GetVersionAsync();
            if (version == (entry.Snapshot?.Version ?? -1))
            {
                _entries.TryUpdate(site, new Entry(entry.Snapshot, time.GetUtcNow()), entry);
            }
            else
            {
                await LoadAsync(site);
            }
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            // Keep serving the cached version; the next read tries again.
            Interlocked.Exchange(ref entry.Rechecking, 0);
        }
    }

    private sealed class Entry(SiteSnapshot? snapshot, DateTimeOffset checkedAt)
    {
        public int Rechecking;

        public SiteSnapshot? Snapshot { get; } = snapshot;

        public DateTimeOffset CheckedAt { get; } = checkedAt;
    }
}
