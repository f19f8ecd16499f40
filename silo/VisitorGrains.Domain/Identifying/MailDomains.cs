namespace VisitorGrains.Domain.Identifying;

/// <summary>
/// Email domains that identify nobody's company: free-mail providers (gmail.com, outlook.com, …) and
/// disposable-address services, from maintained lists. A wildcard entry covers its subdomains too.
/// </summary>
public sealed class MailDomains
{
    private readonly HashSet<string> _free;
    private readonly HashSet<string> _disposable;
    private readonly HashSet<string> _disposableWildcards;

    public MailDomains(IEnumerable<string> free, IEnumerable<string> disposable, IEnumerable<string> disposableWildcards)
    {
        _free = Normalise(free);
        _disposable = Normalise(disposable);
        _disposableWildcards = Normalise(disposableWildcards);
    }

    public static MailDomains Empty { get; } = new([], [], []);

    public int Count => _free.Count + _disposable.Count + _disposableWildcards.Count;

    /// <summary>Reads the list files; a missing file is an empty list (the caller decides whether that is acceptable).</summary>
    public static MailDomains Load(string directory) => new(
        ReadList(Path.Combine(directory, "free-mail.txt")),
        ReadList(Path.Combine(directory, "disposable-mail.txt")),
        ReadList(Path.Combine(directory, "disposable-mail-wildcard.txt")));

    /// <summary>"free-mail", "disposable", or null when the domain may belong to a company.</summary>
    public string? PersonalKind(string domain)
    {
        var name = domain.Trim().TrimEnd('.').ToLowerInvariant();
        // Disposable first: the free-mail list also names many throwaway services.
        if (_disposable.Contains(name) || _disposableWildcards.Contains(name))
        {
            return "disposable";
        }

        if (_free.Contains(name))
        {
            return "free-mail";
        }

        for (var dot = name.IndexOf('.', StringComparison.Ordinal); dot >= 0; dot = name.IndexOf('.', dot + 1))
        {
            var parent = name[(dot + 1)..];
            if (_disposableWildcards.Contains(parent) || _disposable.Contains(parent))
            {
                return "disposable";
            }

            if (_free.Contains(parent))
            {
                return "free-mail";
            }
        }

        return null;
    }

    /// <summary>The domain part of an address ("anna.berg@volvocars.com" → "volvocars.com"), or null.</summary>
    public static string? DomainOf(string? email)
    {
        if (string.IsNullOrWhiteSpace(email))
        {
            return null;
        }

        var at = email.LastIndexOf('@');
        var domain = at < 1 ? null : email[(at + 1)..].Trim().TrimEnd('.').ToLowerInvariant();
        return domain is { Length: > 2 } && domain.Contains('.', StringComparison.Ordinal) ? domain : null;
    }

    internal static IEnumerable<string> ReadList(string path) =>
        File.Exists(path) ? File.ReadLines(path).Where(l => l.Length > 0 && !l.StartsWith('#')) : [];

    private static HashSet<string> Normalise(IEnumerable<string> entries) =>
        new(entries.Select(e => e.Trim().ToLowerInvariant()).Where(e => e.Length > 0), StringComparer.Ordinal);
}
