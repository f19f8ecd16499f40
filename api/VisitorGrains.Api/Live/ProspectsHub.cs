using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using VisitorGrains.Api.Access;
using VisitorGrains.Domain.Collecting;
using VisitorGrains.Grains.Sites;

namespace VisitorGrains.Api.Live;

/// <summary>
/// <c>/hubs/prospects</c>: a salesperson subscribes to a site's feed with the last sequence seen, gets
/// what was missed in order, then live alerts (client method <c>alert</c>), and changes in their handling (<c>alertUpdated</c>).
/// </summary>
[Authorize]
public sealed class ProspectsHub(LiveFeed feed, SiteDirectory sites, HubCredentials credentials) : Hub
{
    public const string AlertMethod = "alert";

    /// <summary>How an alert is handled changed (claimed, snoozed, accepted, rejected, judged): <c>AlertHandling</c>.</summary>
    public const string AlertUpdatedMethod = "alertUpdated";

    public async Task Subscribe(string site, long afterSeq)
    {
        if (!Identifiers.IsSiteId(site) || !Context.User!.CanRead(site))
        {
            throw new HubException("Not allowed to follow this site.");
        }

        if (await sites.GetAsync(site) is null)
        {
            throw new HubException($"There is no site '{site}'.");
        }

        await feed.SubscribeAsync(Context.ConnectionId, site, Math.Max(0, afterSeq));
    }

    public void Unsubscribe(string site) => feed.Unsubscribe(Context.ConnectionId, site);

    public override Task OnConnectedAsync()
    {
        credentials.Connected(Context);
        return base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        credentials.Disconnected(Context.ConnectionId);
        feed.Disconnected(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
}
