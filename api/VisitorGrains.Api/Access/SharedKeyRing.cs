using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using VisitorGrains.Grains.Storage;

namespace VisitorGrains.Api.Access;

/// <summary>
/// In a cluster, the keys that protect sign-in cookies live in the shared store, so that a session made
/// on one API node is honoured by every other (behind a load balancer, a salesperson's requests go to
/// any of them). One stream per key, written once: nodes that add keys at the same moment never collide.
/// </summary>
public sealed class SharedKeyRing(IJournalStore store) : IXmlRepository
{
    private const string Prefix = "dataprotection/";

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        // Data protection asks synchronously, rarely (at start and when its key ring expires).
        return Task.Run(async () =>
        {
            var keys = new List<XElement>();
            foreach (var stream in await store.StreamsAsync(Prefix, 10_000))
            {
                var stored = await store.LoadAsync(stream);
                if (stored.Snapshot is { } xml)
                {
                    keys.Add(XElement.Parse(Encoding.UTF8.GetString(xml)));
                }
            }

            return (IReadOnlyCollection<XElement>)keys;
        }).GetAwaiter().GetResult();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        var stream = Prefix + (string.IsNullOrEmpty(friendlyName) ? Guid.NewGuid().ToString("N") : friendlyName);
        var xml = Encoding.UTF8.GetBytes(element.ToString(SaveOptions.DisableFormatting));
        Task.Run(() => store.CheckpointAsync(stream, 1, xml)).GetAwaiter().GetResult();
    }
}
