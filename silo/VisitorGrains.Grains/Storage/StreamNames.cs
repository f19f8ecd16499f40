namespace VisitorGrains.Grains.Storage;

/// <summary>The journal stream of each kind of grain: the kind, then the grain's key.</summary>
public static class StreamNames
{
    public const string VisitorPrefix = "visitor/";
    public const string CompanyPrefix = "company/";
    public const string FeedPrefix = "feed/";
    public const string SitePrefix = "site/";
    public const string KeyPrefix = "key/";
    public const string UserPrefix = "user/";
    public const string HandlingPrefix = "handling/";
    public const string ContactPrefix = "contact/";

    public static string Visitor(string key) => VisitorPrefix + key;

    public static string Company(string key) => CompanyPrefix + key;

    public static string Feed(string site) => FeedPrefix + site;

    public static string Site(string site) => SitePrefix + site;

    public static string Key(string hash) => KeyPrefix + hash;

    public static string User(string name) => UserPrefix + name;

    public static string Handling(string site) => HandlingPrefix + site;

    /// <summary>A contact's index entry (key: site/email hash): never the email itself.</summary>
    public static string Contact(string key) => ContactPrefix + key;
}
