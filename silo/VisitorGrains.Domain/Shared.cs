using System.Diagnostics.CodeAnalysis;
using System.Text;
using CommunityToolkit.HighPerformance.Buffers;

namespace VisitorGrains.Domain;

/// <summary>
/// One instance of the values many resident states hold alike (site ids, paths, titles, signals,
/// reasons, places, companies), instead of a copy per visitor. Bounded: a value not found is kept and
/// may push another out; a value that misses is only an unshared copy, never a wrong answer. Only
/// immutable values may be shared.
/// </summary>
public static class Shared
{
    /// <summary>Longer strings are rarely repeated (and rarely short-lived twins): they are kept as they are.</summary>
    private const int MaxLength = 256;

    private static readonly StringPool Strings = new(16_384);

    [return: NotNullIfNotNull(nameof(value))]
    public static string? Text(string? value) => value is null || value.Length > MaxLength ? value : Strings.GetOrAdd(value);

    /// <summary>
    /// The shared string for these UTF-8 bytes, decoded without a new string when it is held already.
    /// The bytes must be valid UTF-8.
    /// </summary>
    public static string Utf8(ReadOnlySpan<byte> utf8) =>
        utf8.Length > MaxLength ? Encoding.UTF8.GetString(utf8) : Strings.GetOrAdd(utf8, Encoding.UTF8);

    /// <summary>The shared string for <paramref name="prefix"/> + <paramref name="name"/>, allocated only the first time.</summary>
    public static string Concat(string prefix, string name)
    {
        var length = prefix.Length + name.Length;
        if (length > MaxLength)
        {
            return prefix + name;
        }

        Span<char> chars = stackalloc char[length];
        prefix.CopyTo(chars);
        name.CopyTo(chars[prefix.Length..]);
        return Strings.GetOrAdd(chars);
    }

    /// <summary>An equal instance already held, else this one (kept for the next).</summary>
    [return: NotNullIfNotNull(nameof(value))]
    public static T? Value<T>(T? value) where T : class, IEquatable<T> => value is null ? null : Slots<T>.Get(value);

    /// <summary>A direct-mapped table: one slot per hash bucket, the last value seen wins it.</summary>
    private static class Slots<T> where T : class, IEquatable<T>
    {
        private static readonly T?[] Table = new T?[4096];

        public static T Get(T value)
        {
            ref var slot = ref Table[value.GetHashCode() & (Table.Length - 1)];
            var held = Volatile.Read(ref slot);
            if (held is not null && held.Equals(value))
            {
                return held;
            }

            Volatile.Write(ref slot, value);
            return value;
        }
    }
}
