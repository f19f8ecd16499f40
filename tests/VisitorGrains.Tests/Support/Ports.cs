using System.Net;
using System.Net.Sockets;

namespace VisitorGrains.Tests.Support;

public static class Ports
{
    private static readonly HashSet<int> Issued = [];

    /// <summary>
    /// A loopback port free right now (for Orleans' silo and gateway endpoints), never the same one twice
    /// in a test run, so that hosts started in parallel do not race for it.
    /// </summary>
    public static int Free()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (Issued)
            {
                if (Issued.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
