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
    private readonly PartitionedRateLimiter<string>? _perIp;
    private readonly PartitionedRateLimiter<string>? _perSite;

    public CollectRateLimits(Microsoft.Extensions.Options.IOptions<RateLimitOptions> options)
    {
        var o = options.Value;
        RefusalDelay = TimeSpan.FromMilliseconds(Math.Clamp(o.RefusalDelayMs, 0, 10_000));
        if (!o.Enabled)
        {
            return;
        }

        _perIp = Buckets(o.PerIpPerSecond, o.PerIpBurst);
        _perSite = Buckets(o.PerSitePerSecond, o.PerSiteBurst);
    }

    /// <summary>How long a refused address waits for its answer (see <see cref="RateLimitOptions.RefusalDelayMs"/>).</summary>
    public TimeSpan RefusalDelay { get; }

    /// <summary>Null when the request may go on, else the seconds to wait.</summary>
    public int? TryAcquireIp(string ip) => TryAcquire(_perIp, ip);

    public int? TryAcquireSite(string site) => TryAcquire(_perSite, site);

    public static void SetRetryAfter(HttpResponse response, int seconds) =>
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);

    public void Dispose()
    {
        _perIp?.Dispose();
        _perSite?.Dispose();
    }

    private static int? TryAcquire(PartitionedRateLimiter<string>? limiter, string key)
    {
        if (limiter is null)
        {
            return null;
        }

        using var lease = limiter.AttemptAcquire(key);
        if (lease.IsAcquired)
        {
            return null;
        }

        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 1;
    }

    private static PartitionedRateLimiter<string> Buckets(int perSecond, int burst)
    {
        // One factory for every key, made once: the partitioner asks for a partition on every request, and
        // GetTokenBucketLimiter would allocate a new factory (and a lambda written here, its options') each time.
        // The partitioner's own heartbeat refills its buckets: with AutoReplenishment each address's bucket would
        // also start a timer of its own, tens of thousands firing every second under a crowd (5% of the CPU).
        var options = new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, burst),
            TokensPerPeriod = Math.Max(1, perSecond),
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = false,
        };
        Func<string, RateLimiter> bucket = _ => new TokenBucketRateLimiter(options);
        return PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.Get(key, bucket));
    }
}
