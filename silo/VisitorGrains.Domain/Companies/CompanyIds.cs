using System.Text;

namespace VisitorGrains.Domain.Companies;

/// <summary>Company ids: the domain when there is one, else a slug of the name, so the same company gets the same id from every source.</summary>
public static class CompanyIds
{
    public static string Slug(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var c in name.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                sb.Append(c);
            }
            else if (sb.Length > 0 && sb[^1] != '-')
            {
                sb.Append('-');
            }
        }

        return sb.ToString().Trim('-') is { Length: > 0 } slug ? slug : "account";
    }
}
