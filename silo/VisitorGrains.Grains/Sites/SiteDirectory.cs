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

        return new ValueTask<SiteSnapshot?>(LoadAsync(site));
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
