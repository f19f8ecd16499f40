using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.RateLimiting;

namespace VisitorGrains.Api.Collecting;

/// <summary>Rate limits of the public door (section "RateLimits"): per client address and per site.</summary>
public sealed class RateLimitOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Page views a client address may send per second, sustained.</summary>
    public int PerIpPerSecond { get; set; } = 20;

    /// <summary>What a client address may send at once (a tab restoring its queue, a NAT of many people).</summary>
    public int PerIpBurst { get; set; } = 300;

    public int PerSitePerSecond { get; set; } = 10_000;

    public int PerSiteBurst { get; set; } = 20_000;

    /// <summary>
    /// How long an address over its limit waits for its 429. A client that waits for each answer (every
    /// HTTP/1.1 connection does) then sends at most one request per connection in that time, and a flood
    /// from a few connections cannot take the machine from the sites that are within their limits.
    /// </summary>
    public int RefusalDelayMs { get; set; } = 250;
}

/// <summary>
/// Token buckets per client address and per site. Asked before anything of the body is stored: a
/// refused batch is answered 429 with Retry-After and changes nothing. The address is asked at the front
/// of the pipeline (<see cref="CollectThrottle"/>), the site once the body names it.
/// </summary>
public sealed class CollectRateLimits : IDisposable
{
    private readonly Buckets? _perIp;
    private readonly Buckets? _perSite;

    public CollectRateLimits(Microsoft.Extensions.Options.IOptions<RateLimitOptions> options)
    {
        var o = options.Value;
        RefusalDelay = TimeSpan.FromMilliseconds(Math.Clamp(o.RefusalDelayMs, 0, 10_000));
        if (!o.Enabled)
        {
            return;
        }

        _perIp = new Buckets(o.PerIpPerSecond, o.PerIpBurst);
        _perSite = new Buckets(o.PerSitePerSecond, o.PerSiteBurst);
    }

    /// <summary>How long a refused address waits for its answer (see <see cref="RateLimitOptions.RefusalDelayMs"/>).</summary>
    public TimeSpan RefusalDelay { get; }

    /// <summary>Client addresses and sites that have a bucket now (idle ones are let go).</summary>
    public int BucketCount => (_perIp?.Count ?? 0) + (_perSite?.Count ?? 0);

    /// <summary>Null when the request may go on, else the seconds to wait.</summary>
    public int? TryAcquireIp(string ip) => _perIp?.TryAcquire(ip);

    public int? TryAcquireSite(string site) => _perSite?.TryAcquire(site);

    public static void SetRetryAfter(HttpResponse response, int seconds) =>
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);

    /// <summary>Lets go of the buckets of keys idle for at least <paramref name="idle"/> (full again by then).</summary>
    public void ForgetIdle(TimeSpan idle)
    {
        _perIp?.ForgetIdle(idle);
        _perSite?.ForgetIdle(idle);
    }

    public void Dispose()
    {
        _perIp?.Dispose();
        _perSite?.Dispose();
    }

    /// <summary>
    /// A token bucket per key (System.Threading.RateLimiting's), refilled when it is asked: from the time
    /// since its last refill, so nothing needs to visit the buckets nobody asks. (The library's partitioned
    /// limiter visits every bucket ten times a second; with tens of thousands of client addresses that
    /// was 2–3% of the server's CPU.) Buckets idle for a while are let go by a sweep every 10 seconds.
    /// </summary>
    private sealed class Buckets : IDisposable
    {
        private static readonly TimeSpan IdleAfter = TimeSpan.FromSeconds(30);
        private readonly ConcurrentDictionary<string, TokenBucketRateLimiter> _buckets = new(StringComparer.Ordinal);
        private readonly Func<string, TokenBucketRateLimiter> _create;
        private readonly Timer _sweep;

        public Buckets(int perSecond, int burst)
        {
            var options = new TokenBucketRateLimiterOptions
            {
                TokenLimit = Math.Max(1, burst),
                TokensPerPeriod = Math.Max(1, perSecond),
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = false,
            };
            _create = _ => new TokenBucketRateLimiter(options);
            _sweep = new Timer(_ => ForgetIdle(IdleAfter), null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
        }

        public int Count => _buckets.Count;

        public int? TryAcquire(string key)
        {
            var bucket = _buckets.GetOrAdd(key, _create);
            bucket.TryReplenish();
            using var lease = bucket.AttemptAcquire();
            if (lease.IsAcquired)
            {
                return null;
            }

            return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 1;
        }

        public void ForgetIdle(TimeSpan idle)
        {
            foreach (var (key, bucket) in _buckets)
            {
                // Refilled first: a bucket refills only when asked, and is idle only once full. One let go
                // while a request takes from it only means that request's address starts from a full bucket.
                bucket.TryReplenish();
                if (bucket.IdleDuration is { } idleFor && idleFor >= idle)
                {
                    _buckets.TryRemove(new KeyValuePair<string, TokenBucketRateLimiter>(key, bucket));
                }
            }
        }

        // The buckets hold no timers (they refill when asked) and queue nobody: nothing of theirs to release.
        public void Dispose() => _sweep.Dispose();
    }
}
