using System.Security.Cryptography;
using System.Text;

namespace VisitorGrains.Grains.Access;

public static class Roles
{
    public const string Admin = "admin";
    public const string Marketer = "marketer";
    public const string Sales = "sales";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Admin, Marketer, Sales };

    /// <summary>In a key's or user's site list: every site.</summary>
    public const string AnySite = "*";
}

/// <summary>API keys: random, shown once, stored as a SHA-256 hash (keys carry 256 bits of entropy).</summary>
public static class ApiKeys
{
    public const string Prefix = "vg_";

    public static string New() => Prefix + Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
