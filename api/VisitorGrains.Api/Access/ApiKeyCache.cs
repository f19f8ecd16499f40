using System.Collections.Concurrent;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Access;

namespace VisitorGrains.Api.Access;

/// <summary>
/// Keys looked up by hash and remembered briefly, so that a busy client costs one hash per request.
/// A revoked key stops working within <see cref="Lifetime"/>.
/// </summary>
public sealed class ApiKeyCache(IGrainFactory grains, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, (ApiKeyRecord? Record, DateTimeOffset Until)> _entries = new(StringComparer.Ordinal);

    public async Task<ApiKeyRecord?> FindAsync(string key)
    {
        var hash = ApiKeys.Hash(key);
        var now = time.GetUtcNow();
        if (_entries.TryGetValue(hash, out var cached) && cached.Until > now)
        {
            return cached.Record;
        }

        var record = await grains.GetGrain<IApiKeyGrain>(hash).GetAsync();
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        _entries[hash] = (record, now + Lifetime);
        return record;
    }

    public void Forget(string hash) => _entries.TryRemove(hash, out _);
}
