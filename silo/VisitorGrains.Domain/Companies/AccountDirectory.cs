using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using VisitorGrains.Domain.Identifying;

namespace VisitorGrains.Domain.Companies;

/// <summary>
/// The site's accounts indexed by their IP ranges, built once per accounts version. Look-up works like
/// a routing table: the most specific range wins, with one hash probe per prefix length in use.
/// </summary>
public sealed class AccountDirectory
{
    private readonly (int Prefix, Dictionary<uint, Account> Networks)[] _v4;
    private readonly (int Prefix, Dictionary<UInt128, Account> Networks)[] _v6;
    private readonly Dictionary<string, Account> _byId;
    private readonly Dictionary<string, Account> _byDomain;
    private readonly Dictionary<string, Account> _byName;

    public AccountDirectory(IEnumerable<Account> accounts)
    {
        var v4 = new SortedDictionary<int, Dictionary<uint, Account>>(Comparer<int>.Create((a, b) => b.CompareTo(a)));
        var v6 = new SortedDictionary<int, Dictionary<UInt128, Account>>(Comparer<int>.Create((a, b) => b.CompareTo(a)));
        _byId = new Dictionary<string, Account>(StringComparer.OrdinalIgnoreCase);
        _byDomain = new Dictionary<string, Account>(StringComparer.OrdinalIgnoreCase);
        _byName = new Dictionary<string, Account>(StringComparer.Ordinal);
        foreach (var account in accounts)
        {
            _byId[account.Id] = account;
            _byName.TryAdd(NameWords.Normalise(account.Name), account);
            if (account.Domain is { Length: > 0 } domain)
            {
                _byDomain[domain] = account;
            }

            foreach (var range in account.IpRanges)
            {
                if (!IPNetwork.TryParse(range, out var network))
                {
                    continue;
                }

                if (network.BaseAddress.AddressFamily == AddressFamily.InterNetwork)
                {
                    if (!v4.TryGetValue(network.PrefixLength, out var table))
                    {
                        v4[network.PrefixLength] = table = [];
                    }

                    table.TryAdd(V4(network.BaseAddress), account);
                }
                else
                {
                    if (!v6.TryGetValue(network.PrefixLength, out var table))
                    {
                        v6[network.PrefixLength] = table = [];
                    }

                    table.TryAdd(V6(network.BaseAddress), account);
                }
            }
        }

        _v4 = v4.Select(kv => (kv.Key, kv.Value)).ToArray();
        _v6 = v6.Select(kv => (kv.Key, kv.Value)).ToArray();
        Count = _byId.Count;
    }

    public static AccountDirectory Empty { get; } = new([]);

    public int Count { get; }

    public Account? FindById(string id) => _byId.GetValueOrDefault(id);

    public Account? FindByDomain(string domain) => _byDomain.GetValueOrDefault(domain);

    /// <summary>An account whose name is the same words ("Volvo Cars AB" is not "Volvo Cars": names are matched whole).</summary>
    public Account? FindByName(string name) => _byName.GetValueOrDefault(NameWords.Normalise(name));

    public Account? FindByAddress(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var ip = V4(address);
            foreach (var (prefix, networks) in _v4)
            {
                var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
                if (networks.TryGetValue(ip & mask, out var account))
                {
                    return account;
                }
            }
        }
        else if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var ip = V6(address);
            foreach (var (prefix, networks) in _v6)
            {
                var mask = prefix == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - prefix);
                if (networks.TryGetValue(ip & mask, out var account))
                {
                    return account;
                }
            }
        }

        return null;
    }

    private static uint V4(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    private static UInt128 V6(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }
}
