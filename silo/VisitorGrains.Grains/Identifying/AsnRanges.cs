using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CsvHelper;

namespace VisitorGrains.Grains.Identifying;

/// <summary>
/// ASN range data in CSV form, one range a row: <c>start,end,asn,organization</c> (addresses as text, IPv4
/// or IPv6; the organization may be quoted). Held as sorted arrays and searched by binary search.
/// </summary>
public sealed class AsnRanges
{
    private readonly UInt128[] _starts;
    private readonly UInt128[] _ends;
    private readonly long[] _asns;
    private readonly string[] _organizations;

    private AsnRanges(List<(UInt128 Start, UInt128 End, long Asn, string Organization)> rows)
    {
        rows.Sort((a, b) => a.Start.CompareTo(b.Start));
        _starts = rows.Select(r => r.Start).ToArray();
        _ends = rows.Select(r => r.End).ToArray();
        _asns = rows.Select(r => r.Asn).ToArray();
        _organizations = rows.Select(r => r.Organization).ToArray();
    }

    public int Count => _starts.Length;

    public static AsnRanges Load(string path)
    {
        using var reader = new StreamReader(path);
        return Parse(reader);
    }

    public static AsnRanges Parse(TextReader text)
    {
        using var csv = CsvReader.Create(text, new CsvReaderOptions { HasHeader = false, Separator = ',' }, false);
        var rows = new List<(UInt128, UInt128, long, string)>();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        while (csv.Read())
        {
            if (!IPAddress.TryParse(csv.GetString(0), out var start) || !IPAddress.TryParse(csv.GetString(1), out var end)
                || !long.TryParse(csv.GetString(2), NumberStyles.None, CultureInfo.InvariantCulture, out var asn))
            {
                continue; // a header row or a line that is not a range
            }

            var organization = csv.FieldCount > 3 ? csv.GetString(3).Trim() : "";
            if (!names.TryGetValue(organization, out var shared))
            {
                names[organization] = shared = organization;
            }

            rows.Add((Key(start), Key(end), asn, shared));
        }

        return new AsnRanges(rows);
    }

    public (long Asn, string Organization)? Find(IPAddress address)
    {
        var key = Key(address);
        var index = Array.BinarySearch(_starts, key);
        if (index < 0)
        {
            index = ~index - 1;
        }

        return index >= 0 && key <= _ends[index] && _organizations[index].Length > 0
            ? (_asns[index], _organizations[index])
            : null;
    }

    /// <summary>IPv4 as IPv4-mapped IPv6, so both families share one ordering.</summary>
    private static UInt128 Key(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes[12..], out _);
            bytes[10] = 0xff;
            bytes[11] = 0xff;
        }
        else
        {
            (address.IsIPv4MappedToIPv6 ? address.MapToIPv4().MapToIPv6() : address).TryWriteBytes(bytes, out _);
        }

        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }
}
