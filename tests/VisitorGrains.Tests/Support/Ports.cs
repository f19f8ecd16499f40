using System.Net;
using System.Net.Sockets;

namespace VisitorGrains.Tests.Support;

public static class Ports
{
    /// <summary>A loopback port free right now (for Orleans' silo and gateway endpoints).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
