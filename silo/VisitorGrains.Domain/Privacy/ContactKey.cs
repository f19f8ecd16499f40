using System.Security.Cryptography;
using System.Text;

namespace VisitorGrains.Domain.Privacy;

/// <summary>
/// How a contact (a person who identified with an email) is found without storing the email in the
/// index: a SHA-256 of the site and the email as the collector normalises it (trimmed, lower case).
/// </summary>
public static class ContactKey
{
    public const int MaxEmailLength = 254;

    /// <summary>The email as the collector stores it, or null when it cannot be one.</summary>
    public static string? Normalise(string? email)
    {
        email = email?.Trim();
        return email is { Length: >= 3 and <= MaxEmailLength } && email.IndexOf('@', StringComparison.Ordinal) > 0
               && !email.Any(char.IsControl)
            ? email.ToLowerInvariant()
            : null;
    }

    public static string Of(string site, string normalisedEmail) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(site + "\n" + normalisedEmail)));
}
