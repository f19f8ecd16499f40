using Microsoft.Extensions.Options;
using VisitorGrains.Api.Collecting;

namespace VisitorGrains.Tests.Hardening;

/// <summary>The per-address and per-site buckets: a burst, a refusal with when to come back, and a refill.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task AnAddressOverItsBurst_IsRefused_ThenServedAgainOnceItsBucketRefills()
    {
        using var limits = new CollectRateLimits(Options.Create(new RateLimitOptions { PerIpPerSecond = 2, PerIpBurst = 3 }));

        Assert.All(Enumerable.Range(0, 3), _ => Assert.Null(limits.TryAcquireIp("203.0.113.7")));
        Assert.Equal(1, limits.TryAcquireIp("203.0.113.7")); // refused: retry after a second
        Assert.Null(limits.TryAcquireIp("203.0.113.8")); // another address has its own bucket

        // Refilled a second later (2 tokens per second): the bucket counts the time since it was last asked.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        int? refused;
        do
        {
            await Task.Delay(250);
            refused = limits.TryAcquireIp("203.0.113.7");
        }
        while (refused is not null && DateTime.UtcNow < deadline);

        Assert.Null(refused);
    }

    [Fact]
    public async Task IdleAddresses_AreLetGo_OnlyOnceTheirBucketsAreFullAgain()
    {
        // Wide margins, so that a slow machine cannot change the outcome: the spent bucket needs 10 s to be
        // full again, the other 1 s, and the test waits 1.5 s.
        using var limits = new CollectRateLimits(Options.Create(new RateLimitOptions { PerIpPerSecond = 1, PerIpBurst = 10 }));
        Assert.All(Enumerable.Range(0, 10), _ => Assert.Null(limits.TryAcquireIp("203.0.113.20"))); // spent
        Assert.Null(limits.TryAcquireIp("203.0.113.21")); // one of ten taken
        Assert.Equal(2, limits.BucketCount);

        await Task.Delay(1500); // +1.5 tokens each: the second is full again, the first is far from it

        limits.ForgetIdle(TimeSpan.Zero);

        Assert.Equal(1, limits.BucketCount);
        // The tokens it earned back since, not a fresh burst of ten: letting buckets go never hands one out.
        var granted = Enumerable.Range(0, 10).TakeWhile(_ => limits.TryAcquireIp("203.0.113.20") is null).Count();
        Assert.InRange(granted, 1, 9);
    }

    [Fact]
    public void ASiteOverItsBurst_IsRefused_AndLimitsCanBeTurnedOff()
    {
        using var limits = new CollectRateLimits(Options.Create(new RateLimitOptions { PerSitePerSecond = 1, PerSiteBurst = 2 }));
        Assert.Null(limits.TryAcquireSite("demo"));
        Assert.Null(limits.TryAcquireSite("demo"));
        Assert.NotNull(limits.TryAcquireSite("demo"));

        using var off = new CollectRateLimits(Options.Create(new RateLimitOptions { Enabled = false, PerIpBurst = 1 }));
        Assert.All(Enumerable.Range(0, 10), _ => Assert.Null(off.TryAcquireIp("203.0.113.9")));
    }
}
