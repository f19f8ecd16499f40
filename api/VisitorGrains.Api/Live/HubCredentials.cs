using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using VisitorGrains.Api.Access;
using VisitorGrains.Grains.Abstractions;

namespace VisitorGrains.Api.Live;

/// <summary>
/// The key behind each open hub connection. A revoked key's connections are closed: at once on the node
/// that revoked it, and within <see cref="CheckEvery"/> on every other node (each re-checks the keys of
/// its connections). Keys are known here by their hash only.
/// </summary>
public sealed class HubCredentials(IGrainFactory grains, ILogger<HubCredentials> log) : BackgroundService
{
    public static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, (string KeyHash, HubCallerContext Context)> _connections = new(StringComparer.Ordinal);

    public void Connected(HubCallerContext context)
    {
        if (context.User?.FindFirst(ApiKeyAuthentication.KeyHashClaim)?.Value is { } hash)
        {
            _connections[context.ConnectionId] = (hash, context);
        }
    }

    public void Disconnected(string connectionId) => _connections.TryRemove(connectionId, out _);

    /// <summary>Closes every connection opened with the key.</summary>
    public int Revoked(string keyHash)
    {
        var closed = 0;
        foreach (var (id, (hash, context)) in _connections)
        {
            if (hash == keyHash && _connections.TryRemove(id, out _))
            {
                context.Abort();
                closed++;
            }
        }

        return closed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckEvery);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var hash in _connections.Values.Select(c => c.KeyHash).Distinct(StringComparer.Ordinal).ToList())
            {
                try
                {
                    if (await grains.GetGrain<IApiKeyGrain>(hash).GetAsync() is null)
                    {
                        log.LogInformation("Closed {Count} hub connections of a revoked key", Revoked(hash));
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    log.LogWarning(ex, "Could not re-check a hub connection's key; trying again in {Seconds} s", CheckEvery.TotalSeconds);
                }
            }
        }
    }
}
