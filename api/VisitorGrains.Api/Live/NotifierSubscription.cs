using VisitorGrains.Domain.Alerts;
using VisitorGrains.Domain.Feed;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Feed;
using VisitorGrains.Grains.Sites;

namespace VisitorGrains.Api.Live;

/// <summary>
/// This node's line to the notifier grain: subscribes an observer and renews it well within the
/// notifier's lifetime, so a restarted silo or notifier is picked up again within seconds. Between
/// renewals the live feed sweeps the site feeds (<see cref="Sweep"/>), so that an alert pushed while the
/// notifier had no subscription from this node (its silo died) still reaches this node's salespeople.
/// </summary>
public sealed class NotifierSubscription(IGrainFactory grains, LiveFeed feed, SiteDirectory sites,
    ILogger<NotifierSubscription> log) : BackgroundService, INodeObserver
{
    private static readonly TimeSpan Renew = NotifierGrain.SubscriptionLifetime / 8;
    public static readonly TimeSpan Sweep = TimeSpan.FromSeconds(3);
    private INodeObserver? _self;

    public Task OnAlertAsync(Alert alert)
    {
        feed.Publish(alert);
        return Task.CompletedTask;
    }

    public Task OnAlertUpdatedAsync(AlertHandling handling)
    {
        feed.PublishUpdate(handling);
        return Task.CompletedTask;
    }

    public Task OnSiteChangedAsync(string site, long version)
    {
        sites.Invalidate(site, version);
        return Task.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var self = _self = grains.CreateObjectReference<INodeObserver>(this);
        var notifier = grains.GetGrain<INotifierGrain>(0);
        using var timer = new PeriodicTimer(Sweep);
        var renewed = DateTimeOffset.MinValue;
        do
        {
            if (DateTimeOffset.UtcNow - renewed >= Renew)
            {
                try
                {
                    await notifier.SubscribeAsync(self);
                    renewed = DateTimeOffset.UtcNow;
                }
                catch (Exception ex) when (ex is OrleansException or TimeoutException)
                {
                    log.LogWarning(ex, "Could not subscribe to the notifier; retrying");
                }
            }
            else
            {
                await feed.SweepAsync(stoppingToken);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_self is not null)
            {
                await grains.GetGrain<INotifierGrain>(0).UnsubscribeAsync(_self);
            }
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or ObjectDisposedException)
        {
            log.LogDebug(ex, "Could not unsubscribe from the notifier while stopping");
        }

        await base.StopAsync(cancellationToken);
    }
}
