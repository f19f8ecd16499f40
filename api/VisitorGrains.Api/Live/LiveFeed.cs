using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using VisitorGrains.Domain.Alerts;
using VisitorGrains.Domain.Feed;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Telemetry;

namespace VisitorGrains.Api.Live;

/// <summary>
/// This node's subscriptions to site feeds. Each subscription remembers the last sequence it sent and
/// sends in order, once: a live alert that arrives during the replay, or ahead of one still in flight,
/// is filled in from the site's feed, so a connection never sees a gap, a repeat or a reordering.
/// </summary>
public sealed class LiveFeed(IHubContext<ProspectsHub> hub, IGrainFactory grains, TimeProvider time, ILogger<LiveFeed> log)
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, Subscription>> _bySite = new(StringComparer.Ordinal);

    public async Task SubscribeAsync(string connectionId, string site, long afterSeq)
    {
        var subscription = new Subscription(connectionId, site, afterSeq);
        await subscription.Gate.WaitAsync();
        try
        {
            _bySite.GetOrAdd(site, _ => new(StringComparer.Ordinal))[connectionId] = subscription;
            await CatchUpAsync(subscription, long.MaxValue, live: false);
        }
        finally
        {
            subscription.Gate.Release();
        }
    }

    public void Unsubscribe(string connectionId, string site)
    {
        if (_bySite.TryGetValue(site, out var subscribers))
        {
            subscribers.TryRemove(connectionId, out _);
        }
    }

    public void Disconnected(string connectionId)
    {
        foreach (var subscribers in _bySite.Values)
        {
            subscribers.TryRemove(connectionId, out _);
        }
    }

    /// <summary>A new alert from the notifier: to every subscriber of its site on this node.</summary>
    public void Publish(Alert alert)
    {
        if (!_bySite.TryGetValue(alert.Site, out var subscribers))
        {
            return;
        }

        foreach (var subscription in subscribers.Values)
        {
            _ = DeliverAsync(subscription, alert);
        }
    }

    /// <summary>A change in how an alert is handled (a claim, an outcome): to every subscriber of its site on this node.</summary>
    public void PublishUpdate(AlertHandling handling)
    {
        if (!_bySite.TryGetValue(handling.Site, out var subscribers))
        {
            return;
        }

        foreach (var subscription in subscribers.Values)
        {
            _ = SendUpdateAsync(subscription.ConnectionId, handling);
        }
    }

    /// <summary>
    /// The safety net under the notifier: asks each subscribed site's feed for what this node's
    /// subscribers have not had yet. Alerts pushed while the notifier was being re-activated (its silo
    /// died) or while this node's subscription lapsed still arrive, in order, within one sweep.
    /// </summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        foreach (var (site, subscribers) in _bySite)
        {
            if (subscribers.IsEmpty || cancellationToken.IsCancellationRequested)
            {
                continue;
            }

            var behind = subscribers.Values.Min(s => s.LastSent);
            try
            {
                var page = await grains.GetGrain<IFeedGrain>(site).AfterAsync(behind, FeedState.Retained);
                foreach (var alert in page)
                {
                    foreach (var subscription in subscribers.Values)
                    {
                        await DeliverAsync(subscription, alert);
                    }
                }
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                log.LogDebug(ex, "Could not sweep the feed of {Site}; the next sweep tries again", site);
            }
        }
    }

    private async Task SendUpdateAsync(string connectionId, AlertHandling handling)
    {
        try
        {
            await hub.Clients.Client(connectionId).SendAsync(ProspectsHub.AlertUpdatedMethod, handling);
        }
        catch (Exception ex) when (ex is TimeoutException or IOException)
        {
            log.LogWarning(ex, "Could not send the handling of alert {Seq} of {Site} to {Connection}", handling.Seq, handling.Site, connectionId);
        }
    }

    private async Task DeliverAsync(Subscription subscription, Alert alert)
    {
        await subscription.Gate.WaitAsync();
        try
        {
            if (alert.Seq <= subscription.LastSent)
            {
                return;
            }

            if (alert.Seq == subscription.LastSent + 1)
            {
                await SendAsync(subscription, alert, live: true);
            }
            else
            {
                await CatchUpAsync(subscription, alert.Seq, live: true);
            }
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or IOException)
        {
            log.LogWarning(ex, "Could not deliver alert {Seq} of {Site} to {Connection}", alert.Seq, alert.Site, subscription.ConnectionId);
        }
        finally
        {
            subscription.Gate.Release();
        }
    }

    /// <summary>
    /// Sends what the site's feed holds after the last sent sequence, up to <paramref name="upTo"/>; <paramref name="live"/>
    /// when filling a gap before a live alert (their latency counts), not when replaying for a new subscription.
    /// </summary>
    private async Task CatchUpAsync(Subscription subscription, long upTo, bool live)
    {
        var feed = grains.GetGrain<IFeedGrain>(subscription.Site);
        while (subscription.LastSent < upTo)
        {
            var page = await feed.AfterAsync(subscription.LastSent, FeedState.Retained);
            foreach (var alert in page)
            {
                if (alert.Seq > upTo)
                {
                    return;
                }

                await SendAsync(subscription, alert, live);
            }

            if (page.Count < FeedState.Retained)
            {
                return;
            }
        }
    }

    private async Task SendAsync(Subscription subscription, Alert alert, bool live)
    {
        await hub.Clients.Client(subscription.ConnectionId).SendAsync(ProspectsHub.AlertMethod, alert);
        subscription.LastSent = alert.Seq;
        if (live && alert.AcceptedAt is { } acceptedAt)
        {
            VisitorGrainsMetrics.AlertDelivered(time.GetUtcNow() - acceptedAt);
        }
    }

    private sealed class Subscription(string connectionId, string site, long lastSent)
    {
        public string ConnectionId { get; } = connectionId;
        public string Site { get; } = site;
        public long LastSent { get; set; } = lastSent;
        public SemaphoreSlim Gate { get; } = new(1, 1);
    }
}
