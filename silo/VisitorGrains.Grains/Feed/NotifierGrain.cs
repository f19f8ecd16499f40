using Microsoft.Extensions.Logging;
using Orleans.Utilities;
using VisitorGrains.Domain.Alerts;
using VisitorGrains.Domain.Feed;
using VisitorGrains.Grains.Abstractions;

namespace VisitorGrains.Grains.Feed;

/// <summary>
/// The one fan-out point from grains to API nodes. Nodes re-subscribe well within
/// <see cref="SubscriptionLifetime"/>; a node that dies simply stops renewing and is dropped.
/// </summary>
public sealed class NotifierGrain(ILogger<NotifierGrain> log) : Grain, INotifierGrain
{
    public static readonly TimeSpan SubscriptionLifetime = TimeSpan.FromMinutes(2);

    private readonly ObserverManager<INodeObserver> _nodes = new(SubscriptionLifetime, log);

    public Task SubscribeAsync(INodeObserver observer)
    {
        _nodes.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(INodeObserver observer)
    {
        _nodes.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public Task AlertRaisedAsync(Alert alert)
    {
        _nodes.Notify(node => node.OnAlertAsync(alert));
        return Task.CompletedTask;
    }

    public Task AlertUpdatedAsync(AlertHandling handling)
    {
        _nodes.Notify(node => node.OnAlertUpdatedAsync(handling));
        return Task.CompletedTask;
    }

    public Task SiteChangedAsync(string site, long version)
    {
        _nodes.Notify(node => node.OnSiteChangedAsync(site, version));
        return Task.CompletedTask;
    }
}
