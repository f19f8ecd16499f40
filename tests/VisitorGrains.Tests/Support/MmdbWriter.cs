using System.Buffers.Binary;
using System.Collections;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Text;

namespace VisitorGrains.Tests.Support;

/// <summary>
/// Writes small MaxMind DB (.mmdb) files for tests, following the public MaxMind DB format specification
/// (binary format 2.0). The search tree is always IPv6; IPv4 networks are stored under ::/96 (::a.b.c.d),
/// which is where MaxMind readers look up IPv4 addresses in an IPv6 database.
/// </summary>
/// <remarks>
/// Record values are encoded by their .NET type: string as utf8_string, bool as boolean, int as int32,
/// uint and long as uint32 (a long above uint.MaxValue as uint64; negative longs are rejected), ushort as
/// uint16, ulong as uint64, BigInteger as uint128, double as double, float as float, byte[] as bytes,
/// dictionaries with string keys as maps, and other sequences as arrays. Null values are rejected.
/// The MaxMind .NET reader is strict about integer types: a field it reads as long (geoname_id,
/// autonomous_system_number) must be stored as uint32, so pass a long or uint there, and a field it reads
/// as int (accuracy_radius, confidence, user_count) as uint16 or int32, so pass an int there. To store
/// another type than the default, wrap the value with <see cref="AsUInt16"/>, <see cref="AsUInt32"/>,
/// <see cref="AsUInt64"/> or <see cref="AsUInt128"/>.
/// </remarks>
public sealed class MmdbWriter
{
    private const int DataSectionSeparatorSize = 16;

    private static readonly byte[] MetadataMarker = [0xAB, 0xCD, 0xEF, .. "MaxMind.com"u8];

    private readonly List<(byte[] Address, int PrefixLength, IReadOnlyDictionary<string, object> Record)> _networks = [];

    public MmdbWriter(string databaseType, int recordSize = 28)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databaseType);
        if (recordSize is not (24 or 28 or 32))
        {
            throw new ArgumentOutOfRangeException(nameof(recordSize), recordSize, "The record size must be 24, 28 or 32 bits.");
        }

        DatabaseType = databaseType;
        RecordSize = recordSize;
    }

    public string DatabaseType { get; }

    public int RecordSize { get; }

    /// <summary>The build time stored in the metadata as build_epoch.</summary>
    public DateTimeOffset BuildTime { get; set; } = DateTimeOffset.UtcNow;

    /// <summary>The English description stored in the metadata.</summary>
    public string Description { get; set; } = "Test fixture database";

    /// <summary>Stores the value as uint16, for fields the reader reads as int.</summary>
    public static object AsUInt16(int value) =>
        value is >= 0 and <= ushort.MaxValue
            ? new TypedValue(MmdbType.UInt16, value)
            : throw new ArgumentOutOfRangeException(nameof(value), value, "A uint16 holds 0 to 65535.");

    /// <summary>Stores the value as uint32, for fields the reader reads as long.</summary>
    public static object AsUInt32(long value) =>
        value is >= 0 and <= uint.MaxValue
            ? new TypedValue(MmdbType.UInt32, value)
            : throw new ArgumentOutOfRangeException(nameof(value), value, "A uint32 holds 0 to 4294967295.");

    /// <summary>Stores the value as uint64, for fields the reader reads as ulong.</summary>
    public static object AsUInt64(ulong value) => new TypedValue(MmdbType.UInt64, value);

    /// <summary>Stores the value as uint128, for fields the reader reads as BigInteger.</summary>
    public static object AsUInt128(BigInteger value) =>
        value.Sign >= 0 && value < BigInteger.One << 128
            ? new TypedValue(MmdbType.UInt128, value)
            : throw new ArgumentOutOfRangeException(nameof(value), value, "A uint128 holds 0 to 2^128 - 1.");

    /// <summary>
    /// Adds a network ("203.0.113.0/24" or "2001:db8:1::/48") with its record. Networks may be added in any
    /// order; where networks nest, addresses in the more specific one get its record. Adding the same network
    /// twice keeps the later record.
    /// </summary>
    public MmdbWriter Insert(string cidr, IReadOnlyDictionary<string, object> record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var (address, prefixLength) = ParseNetwork(cidr);
        _networks.Add((address, prefixLength, record));
        return this;
    }

    public void Write(string path) => File.WriteAllBytes(path, ToArray());

    public byte[] ToArray()
    {
        var records = new List<IReadOnlyDictionary<string, object>>();
        var root = BuildTree(records);
        var nodes = NumberNodes(root);

        var data = new DataSection();
        var recordOffsets = records.Select(data.AddRecord).ToArray();

        using var file = new MemoryStream();
        WriteSearchTree(file, nodes, recordOffsets);
        file.Write(new byte[DataSectionSeparatorSize]);
        file.Write(data.ToArray());
        file.Write(MetadataMarker);
        file.Write(EncodeMetadata(nodes.Count));
        return file.ToArray();
    }

    private static (byte[] Address, int PrefixLength) ParseNetwork(string cidr)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cidr);
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? cidr : cidr[..slash];
        if (!IPAddress.TryParse(addressText, out var ip))
        {
            throw new ArgumentException($"'{cidr}' is not a network in CIDR notation.", nameof(cidr));
        }

        var isIPv4 = ip.AddressFamily == AddressFamily.InterNetwork;
        var maxPrefix = isIPv4 ? 32 : 128;
        var prefix = maxPrefix;
        if (slash >= 0 && (!int.TryParse(cidr[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > maxPrefix))
        {
            throw new ArgumentException($"'{cidr}' has an invalid prefix length.", nameof(cidr));
        }

        var address = new byte[16];
        if (isIPv4)
        {
            ip.GetAddressBytes().CopyTo(address, 12);
            prefix += 96;
        }
        else
        {
            ip.GetAddressBytes().CopyTo(address, 0);
        }

        if (prefix == 0)
        {
            throw new ArgumentException("The whole IPv6 address space (::/0) cannot be a single network here.", nameof(cidr));
        }

        return (address, prefix);
    }

    private Node BuildTree(List<IReadOnlyDictionary<string, object>> records)
    {
        var root = new Node();

        // Broader networks go in first, so a more specific network always splits the broader one's leaf
        // and wins for its own addresses, whatever order the caller inserted them in.
        foreach (var (address, prefixLength, record) in _networks.OrderBy(n => n.PrefixLength))
        {
            var leaf = new Leaf(records.Count);
            records.Add(record);

            var node = root;
            for (var depth = 0; depth < prefixLength - 1; depth++)
            {
                var bit = Bit(address, depth);
                var child = node[bit];
                if (child is not Node next)
                {
                    next = new Node { [0] = child, [1] = child };
                    node[bit] = next;
                }

                node = next;
            }

            node[Bit(address, prefixLength - 1)] = leaf;
        }

        return root;
    }

    private static int Bit(byte[] address, int index) => (address[index / 8] >> (7 - (index % 8))) & 1;

    private static List<Node> NumberNodes(Node root)
    {
        var nodes = new List<Node>();
        var queue = new Queue<Node>();
        queue.Enqueue(root);
        while (queue.Count > 0)
        {
            var node = queue.Dequeue();
            node.Number = nodes.Count;
            nodes.Add(node);
            foreach (var child in new[] { node[0], node[1] })
            {
                if (child is Node next)
                {
                    queue.Enqueue(next);
                }
            }
        }

        return nodes;
    }

    private void WriteSearchTree(Stream output, List<Node> nodes, int[] recordOffsets)
    {
        var nodeCount = nodes.Count;
        long RecordValue(object? child) => child switch
        {
            Node node => node.Number,
            Leaf leaf => (long)nodeCount + DataSectionSeparatorSize + recordOffsets[leaf.Record],
            _ => nodeCount,
        };

        var nodeBytes = new byte[RecordSize * 2 / 8];
        foreach (var node in nodes)
        {
            var left = RecordValue(node[0]);
            var right = RecordValue(node[1]);
            if (Math.Max(left, right) >= 1L << RecordSize)
            {
                throw new InvalidOperationException($"The database is too large for {RecordSize}-bit records.");
            }

            switch (RecordSize)
            {
                case 24:
                    WriteBigEndian(nodeBytes.AsSpan(0, 3), (ulong)left);
                    WriteBigEndian(nodeBytes.AsSpan(3, 3), (ulong)right);
                    break;
                case 28:
                    WriteBigEndian(nodeBytes.AsSpan(0, 3), (ulong)left & 0xFFFFFF);
                    nodeBytes[3] = (byte)((((left >> 24) & 0x0F) << 4) | ((right >> 24) & 0x0F));
                    WriteBigEndian(nodeBytes.AsSpan(4, 3), (ulong)right & 0xFFFFFF);
                    break;
                default:
                    WriteBigEndian(nodeBytes.AsSpan(0, 4), (ulong)left);
                    WriteBigEndian(nodeBytes.AsSpan(4, 4), (ulong)right);
                    break;
            }

            output.Write(nodeBytes);
        }
    }

    private static void WriteBigEndian(Span<byte> destination, ulong value)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)value;
            value >>= 8;
        }
    }

    private byte[] EncodeMetadata(int nodeCount)
    {
        var metadata = new Dictionary<string, object>
        {
            ["binary_format_major_version"] = AsUInt16(2),
            ["binary_format_minor_version"] = AsUInt16(0),
            ["build_epoch"] = AsUInt64((ulong)BuildTime.ToUnixTimeSeconds()),
            ["database_type"] = DatabaseType,
            ["description"] = new Dictionary<string, object> { ["en"] = Description },
            ["ip_version"] = AsUInt16(6),
            ["languages"] = new object[] { "en" },
            ["node_count"] = AsUInt32(nodeCount),
            ["record_size"] = AsUInt16(RecordSize),
        };
        var encoder = new Encoder(internStrings: false);
        encoder.WriteValue(metadata);
        return encoder.ToArray();
    }

    private enum MmdbType
    {
        Pointer = 1,
        Utf8String = 2,
        Double = 3,
        Bytes = 4,
        UInt16 = 5,
        UInt32 = 6,
        Map = 7,
        Int32 = 8,
        UInt64 = 9,
        UInt128 = 10,
        Array = 11,
        Boolean = 14,
        Float = 15,
    }

    /// <summary>A value whose stored MMDB type the caller chose explicitly.</summary>
    private sealed record TypedValue(MmdbType Type, object Value);

    /// <summary>A place in the search tree that holds a network's record.</summary>
    private sealed record Leaf(int Record);

    /// <summary>A search tree node; each child is another node, a leaf, or null for "no data".</summary>
    private sealed class Node
    {
        private object? _left;
        private object? _right;

        public int Number { get; set; }

        public object? this[int bit]
        {
            get => bit == 0 ? _left : _right;
            set
            {
                if (bit == 0)
                {
                    _left = value;
                }
                else
                {
                    _right = value;
                }
            }
        }
    }

    /// <summary>
    /// The data section. Identical records are stored once, and a string stored before is written again as a
    /// pointer to the first copy when that is shorter.
    /// </summary>
    private sealed class DataSection
    {
        private readonly Encoder _encoder = new(internStrings: true);
        private readonly Dictionary<string, int> _recordOffsets = [];

        public int AddRecord(IReadOnlyDictionary<string, object> record)
        {
            var plain = new Encoder(internStrings: false);
            plain.WriteValue(record);
            var key = Convert.ToBase64String(plain.ToArray());
            if (!_recordOffsets.TryGetValue(key, out var offset))
            {
                offset = _encoder.Length;
                _encoder.WriteValue(record);
                _recordOffsets[key] = offset;
            }

            return offset;
        }

        public byte[] ToArray() => _encoder.ToArray();
    }

    /// <summary>Encodes values in the MMDB data section format.</summary>
    private sealed class Encoder(bool internStrings)
    {
        private readonly MemoryStream _output = new();
        private readonly Dictionary<string, int> _stringOffsets = new(StringComparer.Ordinal);

        public int Length => (int)_output.Length;

        public byte[] ToArray() => _output.ToArray();

        public void WriteValue(object? value)
        {
            switch (value)
            {
                case null:
                    throw new ArgumentException("MaxMind DB records cannot hold null values.", nameof(value));
                case TypedValue typed:
                    WriteTyped(typed);
                    break;
                case string text:
                    WriteString(text);
                    break;
                case bool flag:
                    WriteControl(MmdbType.Boolean, flag ? 1 : 0);
                    break;
                case int number:
                    WriteInteger(MmdbType.Int32, unchecked((uint)number), number < 0 ? 4 : 0);
                    break;
                case long number when number is >= 0 and <= uint.MaxValue:
                    WriteInteger(MmdbType.UInt32, (ulong)number);
                    break;
                case long number when number > uint.MaxValue:
                    WriteInteger(MmdbType.UInt64, (ulong)number);
                    break;
                case long number:
                    throw new ArgumentException($"The negative long {number} has no MaxMind DB type; use an int for int32.", nameof(value));
                case uint number:
                    WriteInteger(MmdbType.UInt32, number);
                    break;
                case ushort number:
                    WriteInteger(MmdbType.UInt16, number);
                    break;
                case ulong number:
                    WriteInteger(MmdbType.UInt64, number);
                    break;
                case BigInteger number:
                    WriteTyped((TypedValue)AsUInt128(number));
                    break;
                case double number:
                    WriteControl(MmdbType.Double, 8);
                    Span<byte> doubleBytes = stackalloc byte[8];
                    BinaryPrimitives.WriteDoubleBigEndian(doubleBytes, number);
                    _output.Write(doubleBytes);
                    break;
                case float number:
                    WriteControl(MmdbType.Float, 4);
                    Span<byte> floatBytes = stackalloc byte[4];
                    BinaryPrimitives.WriteSingleBigEndian(floatBytes, number);
                    _output.Write(floatBytes);
                    break;
                case byte[] bytes:
                    WriteControl(MmdbType.Bytes, bytes.Length);
                    _output.Write(bytes);
                    break;
                case IDictionary map:
                    WriteMap(Entries(map));
                    break;
                case IReadOnlyDictionary<string, object> map:
                    WriteMap(map.Select(e => ((object)e.Key, (object?)e.Value)).ToList());
                    break;
                case IEnumerable items:
                    var list = items.Cast<object?>().ToList();
                    WriteControl(MmdbType.Array, list.Count);
                    list.ForEach(WriteValue);
                    break;
                default:
                    throw new ArgumentException($"Values of type {value.GetType()} have no MaxMind DB encoding here.", nameof(value));
            }
        }

        private static List<(object Key, object? Value)> Entries(IDictionary map)
        {
            var entries = new List<(object Key, object? Value)>();
            var enumerator = map.GetEnumerator();
            while (enumerator.MoveNext())
            {
                entries.Add((enumerator.Key, enumerator.Value));
            }

            return entries;
        }

        private void WriteTyped(TypedValue typed)
        {
            switch (typed.Type)
            {
                case MmdbType.UInt16:
                case MmdbType.UInt32:
                    WriteInteger(typed.Type, (ulong)Convert.ToInt64(typed.Value, CultureInfo.InvariantCulture));
                    break;
                case MmdbType.UInt64:
                    WriteInteger(MmdbType.UInt64, (ulong)typed.Value);
                    break;
                default:
                    var bytes = ((BigInteger)typed.Value).ToByteArray(isUnsigned: true, isBigEndian: true);
                    if (bytes is [0])
                    {
                        bytes = [];
                    }

                    WriteControl(MmdbType.UInt128, bytes.Length);
                    _output.Write(bytes);
                    break;
            }
        }

        private void WriteMap(List<(object Key, object? Value)> entries)
        {
            WriteControl(MmdbType.Map, entries.Count);
            foreach (var (key, value) in entries)
            {
                WriteString(key as string ?? throw new ArgumentException("MaxMind DB map keys must be strings.", nameof(entries)));
                WriteValue(value);
            }
        }

        private void WriteString(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            if (internStrings && _stringOffsets.TryGetValue(text, out var earlier) && PointerLength(earlier) < ControlLength(bytes.Length) + bytes.Length)
            {
                WritePointer(earlier);
                return;
            }

            if (internStrings && !_stringOffsets.ContainsKey(text))
            {
                _stringOffsets[text] = Length;
            }

            WriteControl(MmdbType.Utf8String, bytes.Length);
            _output.Write(bytes);
        }

        /// <summary>Writes an unsigned value in as few bytes as it needs (at least <paramref name="minimumLength"/>).</summary>
        private void WriteInteger(MmdbType type, ulong value, int minimumLength = 0)
        {
            var length = Math.Max(minimumLength, (64 - BitOperations.LeadingZeroCount(value) + 7) / 8);
            WriteControl(type, length);
            Span<byte> bytes = stackalloc byte[length];
            WriteBigEndian(bytes, value);
            _output.Write(bytes);
        }

        private static int PointerLength(int offset) => offset switch
        {
            < 1 << 11 => 2,
            < (1 << 11) + (1 << 19) => 3,
            < (1 << 11) + (1 << 19) + (1 << 27) => 4,
            _ => 5,
        };

        private void WritePointer(int offset)
        {
            switch (PointerLength(offset))
            {
                case 2:
                    _output.WriteByte((byte)(0x20 | (offset >> 8)));
                    _output.WriteByte((byte)offset);
                    break;
                case 3:
                    var value3 = offset - (1 << 11);
                    _output.WriteByte((byte)(0x28 | (value3 >> 16)));
                    _output.WriteByte((byte)(value3 >> 8));
                    _output.WriteByte((byte)value3);
                    break;
                case 4:
                    var value4 = offset - (1 << 11) - (1 << 19);
                    _output.WriteByte((byte)(0x30 | (value4 >> 24)));
                    _output.WriteByte((byte)(value4 >> 16));
                    _output.WriteByte((byte)(value4 >> 8));
                    _output.WriteByte((byte)value4);
                    break;
                default:
                    _output.WriteByte(0x38);
                    Span<byte> bytes = stackalloc byte[4];
                    BinaryPrimitives.WriteInt32BigEndian(bytes, offset);
                    _output.Write(bytes);
                    break;
            }
        }

        private static int ControlLength(int size) => size switch
        {
            < 29 => 1,
            < 29 + 256 => 2,
            < 285 + 65536 => 3,
            _ => 4,
        };

        /// <summary>
        /// Writes the control byte: the type in the top three bits (or 0 and an extended-type byte for types
        /// above 7), the size in the low five bits, and for sizes of 29 and more one to three further size bytes.
        /// </summary>
        private void WriteControl(MmdbType type, int size)
        {
            var typeNumber = (int)type;
            var typeBits = typeNumber <= 7 ? typeNumber << 5 : 0;
            var sizeBits = size switch
            {
                < 29 => size,
                < 29 + 256 => 29,
                < 285 + 65536 => 30,
                _ => 31,
            };

            _output.WriteByte((byte)(typeBits | sizeBits));
            if (typeNumber > 7)
            {
                _output.WriteByte((byte)(typeNumber - 7));
            }

            switch (sizeBits)
            {
                case 29:
                    _output.WriteByte((byte)(size - 29));
                    break;
                case 30:
                    _output.WriteByte((byte)((size - 285) >> 8));
                    _output.WriteByte((byte)(size - 285));
                    break;
                case 31:
                    var rest = size - 65821;
                    _output.WriteByte((byte)(rest >> 16));
                    _output.WriteByte((byte)(rest >> 8));
                    _output.WriteByte((byte)rest);
                    break;
            }
        }
    }
}
