namespace VisitorGrains.Domain.Collecting;

/// <summary>The shapes of the identifiers that travel on the wire and become grain keys.</summary>
public static class Identifiers
{
    /// <summary>Site ids: lower-case letters, digits, '-' and '_', 1–64 long.</summary>
    public static bool IsSiteId(string? value)
    {
        if (value is not { Length: >= 1 and <= 64 })
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    public static bool IsVisitorId(string? value) => IsToken(value, 8, 64);

    public static bool IsToken(string? value, int min, int max)
    {
        if (value is null || value.Length < min || value.Length > max)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
