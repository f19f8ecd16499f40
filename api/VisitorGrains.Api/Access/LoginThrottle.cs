using System.Collections.Concurrent;

namespace VisitorGrains.Api.Access;

/// <summary>Settings of <see cref="LoginThrottle"/> (section <c>Login</c>).</summary>
public sealed class LoginThrottleOptions
{
    /// <summary>Failed sign-ins for one user name within <see cref="WindowMinutes"/> before it is refused.</summary>
    public int MaxFailuresPerUser { get; set; } = 5;

    /// <summary>Failed sign-ins from one client address within <see cref="WindowMinutes"/> before it is refused.</summary>
    public int MaxFailuresPerAddress { get; set; } = 20;

    public int WindowMinutes { get; set; } = 5;
}

/// <summary>
/// Slows password guessing: after too many failures for a user name, or from one address, within the
/// window, sign-ins are refused (429 with Retry-After) until the oldest failure leaves the window.
/// Kept per node, in memory: a restart forgives, which is acceptable for a throttle.
/// </summary>
public sealed class LoginThrottle(TimeProvider time, Microsoft.Extensions.Options.IOptions<LoginThrottleOptions> options)
{
    private const int MaxTracked = 100_000;

    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);

    private TimeSpan Window => TimeSpan.FromMinutes(Math.Max(1, options.Value.WindowMinutes));

    /// <summary>How long the caller must wait before trying again; null when a try is allowed.</summary>
    public TimeSpan? RetryAfter(string user, string? address)
    {
        var now = time.GetUtcNow();
        var byUser = Wait(UserKey(user), options.Value.MaxFailuresPerUser, now);
        var byAddress = address is null ? null : Wait(AddressKey(address), options.Value.MaxFailuresPerAddress, now);
        return (byUser, byAddress) switch
        {
            (null, null) => null,
            ({ } a, null) => a,
            (null, { } b) => b,
            ({ } a, { } b) => a > b ? a : b,
        };
    }

    public void Failed(string user, string? address)
    {
        var now = time.GetUtcNow();
        if (_failures.Count >= MaxTracked)
        {
            _failures.Clear();
        }

        Add(UserKey(user), now);
        if (address is not null)
        {
            Add(AddressKey(address), now);
        }
    }

    /// <summary>A successful sign-in forgives the user name's failures (not the address's).</summary>
    public void Succeeded(string user) => _failures.TryRemove(UserKey(user), out _);

    private TimeSpan? Wait(string key, int max, DateTimeOffset now)
    {
        if (!_failures.TryGetValue(key, out var times))
        {
            return null;
        }

        lock (times)
        {
            while (times.Count > 0 && times.Peek() + Window <= now)
            {
                times.Dequeue();
            }

            if (times.Count < Math.Max(1, max))
            {
                return null;
            }

            // Wait until enough failures have left the window for one more try.
            var oldestThatCounts = times.ElementAt(times.Count - Math.Max(1, max));
            return oldestThatCounts + Window - now;
        }
    }

    private void Add(string key, DateTimeOffset now)
    {
        var times = _failures.GetOrAdd(key, _ => new Queue<DateTimeOffset>());
        lock (times)
        {
            times.Enqueue(now);
            while (times.Count > 1000)
            {
                times.Dequeue();
            }
        }
    }

    private static string UserKey(string user) => "u:" + user.Trim().ToLowerInvariant();

    private static string AddressKey(string address) => "a:" + address;
}
