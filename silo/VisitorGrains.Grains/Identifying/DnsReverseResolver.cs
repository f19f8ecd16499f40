using System.Net;
using System.Net.Sockets;
using VisitorGrains.Domain.Identifying;

namespace VisitorGrains.Grains.Identifying;

/// <summary>Reverse DNS through the operating system's resolver; the chain bounds it with a short timeout.</summary>
public sealed class DnsReverseResolver : IReverseDns
{
    public async ValueTask<string?> ResolveAsync(IPAddress address, CancellationToken cancellationToken)
    {
        try
        {
            var entry = await Dns.GetHostEntryAsync(address.ToString(), cancellationToken).ConfigureAwait(false);
            return string.IsNullOrEmpty(entry.HostName) || IPAddress.TryParse(entry.HostName, out _) ? null : entry.HostName;
        }
        catch (SocketException)
        {
            return null; // no PTR record, or the resolver is unreachable
        }
    }
}
