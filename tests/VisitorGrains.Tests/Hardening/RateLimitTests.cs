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
        using var limits = new CollectRateLimits(Options.Create(new RateLimitOptions { PerIpPerSecond = 2, PerIpBurst = 3 }));
        Assert.All(Enumerable.Range(0, 3), _ => Assert.Null(limits.TryAcquireIp("203.0.113.20"))); // spent
        Assert.Null(limits.TryAcquireIp("203.0.113.21")); // one of three taken
        Assert.Equal(2, limits.BucketCount);

        await Task.Delay(800); // +1.6 tokens each: the second is full again, the first is not

        limits.ForgetIdle(TimeSpan.Zero);

        Assert.Equal(1, limits.BucketCount);
        Assert.Null(limits.TryAcquireIp("203.0.113.20")); // the one token it earned back, no more:
        Assert.NotNull(limits.TryAcquireIp("203.0.113.20")); // letting buckets go never hands out a fresh burst
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
