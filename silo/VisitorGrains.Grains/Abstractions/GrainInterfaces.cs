using Orleans.Concurrency;
using VisitorGrains.Domain.Alerts;
using VisitorGrains.Domain.Collecting;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Feed;
using VisitorGrains.Domain.Journeys;
using VisitorGrains.Domain.Lifecycle;
using VisitorGrains.Domain.Sites;

namespace VisitorGrains.Grains.Abstractions;

/// <summary>Grain keys: one place that knows how ids become keys.</summary>
public static class GrainKeys
{
    public static string Visitor(string site, string visitor) => $"{site}/{visitor}";

    /// <summary>Visitor shards per site: enough that the shards of one site keep every core busy, and a cluster's silos share them.</summary>
    public const int VisitorShards = 64;

    private static readonly string[] ShardSuffixes = Enumerable.Range(0, VisitorShards).Select(i => $"/#{i:d2}").ToArray();

    /// <summary>
    /// The shard of a visitor: "site/#nn", from a hash of the visitor id that every process computes alike
    /// (FNV-1a over its UTF-16 code units; string.GetHashCode differs per process).
    /// </summary>
    public static string VisitorShard(string site, string visitor) => site + ShardSuffixes[ShardOf(visitor)];

    public static int ShardOf(string visitor)
    {
        var hash = 2166136261u;
        foreach (var c in visitor)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % VisitorShards);
    }

    public static string Company(string site, string company) => $"{site}/{company}";

    public static string Contact(string site, string contactKey) => $"{site}/{contactKey}";

    /// <summary>Splits "site/rest" keys; site ids never contain '/'.</summary>
    public static (string Site, string Id) Split(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return (key[..slash], key[(slash + 1)..]);
    }
}

/// <summary>
/// The visitors of one site whose ids fall in one shard (key: site/shard, see <see cref="GrainKeys.VisitorShard"/>),
/// each with its journey, sessions, score and stage. Visitors are the many: an Orleans activation each would
/// cost ~1.7 KB of Orleans' own per resident visitor and a deactivation each; a shard holds them as plain
/// objects and lets the idle ones go. Calls for one visitor run one at a time, in order; different visitors
/// interleave. Callers use <see cref="VisitorLookup.Visitor(IGrainFactory, string, string)"/>.
/// </summary>
public interface IVisitorShardGrain : IGrainWithStringKey
{
    /// <summary>Records a validated batch. When it returns, the new events are durable.</summary>
    Task RecordAsync(string visitor, CollectBatch batch, Identification identification);

    Task<VisitorView?> GetAsync(string visitor);

    /// <summary>A move made by sales: accept, reject (back to nurture), opportunity, customer.</summary>
    Task<StageMoveResult> MoveAsync(string visitor, SalesMove move, string reason, string by);

    /// <summary>Loads the visitor so that it replays its journal and re-sends what it owes others, and waits for that.</summary>
    Task RecoverAsync(string visitor);

    /// <summary>Everything held about the visitor (a data subject's access request); null when there is no such visitor.</summary>
    Task<VisitorExport?> ExportAsync(string visitor);

    /// <summary>
    /// Erases the visitor everywhere: its companies forget it, the feed's alerts and their handling stop
    /// naming it, the contact index drops it, then its own stream goes. False when there is no such visitor.
    /// </summary>
    Task<bool> EraseAsync(string visitor);

    /// <summary>
    /// Retention: a visitor last active before <paramref name="before"/> (epoch ms) is erased (true);
    /// otherwise what happened before it leaves the visitor's state.
    /// </summary>
    Task<bool> ForgetBeforeAsync(string visitor, long before);

    /// <summary>
    /// Lets go of the visitors idle for at least <paramref name="idle"/> (each checkpointed first, as at a
    /// deactivation); returns how many went. The shard does this on its own every collection quantum.
    /// </summary>
    Task<int> LetGoIdleAsync(TimeSpan idle);

    /// <summary>How many visitors the shard holds now.</summary>
    Task<int> ResidentAsync();
}

/// <summary>One visitor, addressed through its shard: the calls of <see cref="IVisitorShardGrain"/> for that visitor.</summary>
public readonly struct VisitorRef(IVisitorShardGrain shard, string visitor)
{
    public IVisitorShardGrain Shard => shard;

    public string Id => visitor;

    public Task RecordAsync(CollectBatch batch, Identification identification) => shard.RecordAsync(visitor, batch, identification);

    public Task<VisitorView?> GetAsync() => shard.GetAsync(visitor);

    public Task<StageMoveResult> MoveAsync(SalesMove move, string reason, string by) => shard.MoveAsync(visitor, move, reason, by);

    public Task RecoverAsync() => shard.RecoverAsync(visitor);

    public Task<VisitorExport?> ExportAsync() => shard.ExportAsync(visitor);

    public Task<bool> EraseAsync() => shard.EraseAsync(visitor);

    public Task<bool> ForgetBeforeAsync(long before) => shard.ForgetBeforeAsync(visitor, before);
}

public static class VisitorLookup
{
    /// <summary>The visitor <paramref name="visitor"/> of <paramref name="site"/>.</summary>
    public static VisitorRef Visitor(this IGrainFactory grains, string site, string visitor) =>
        new(grains.Get<IVisitorShardGrain>(GrainKeys.VisitorShard(site, visitor)), visitor);

    /// <summary>The visitor of a "site/visitor" key (<see cref="GrainKeys.Visitor"/>), as stream names carry it.</summary>
    public static VisitorRef Visitor(this IGrainFactory grains, string key)
    {
        var (site, visitor) = GrainKeys.Split(key);
        return grains.Visitor(site, visitor);
    }
}

/// <summary>One company as seen by one site (key: site/company): account score, visitors, alerts.</summary>
public interface ICompanyGrain : IGrainWithStringKey
{
    /// <summary>Counts a visitor's contribution once (replays are recognised by sequence).</summary>
    Task RecordAsync(CompanyContribution contribution);

    Task<CompanyView?> GetAsync();

    Task RecoverAsync();

    /// <summary>Removes the visitor from the company and writes a fresh checkpoint, so no stored entry names it any more.</summary>
    Task ForgetVisitorAsync(string visitor);
}

/// <summary>A site's alert feed (key: site): durable, numbered, replayable.</summary>
public interface IFeedGrain : IGrainWithStringKey
{
    /// <summary>Appends an alert once (by id) and returns its sequence number.</summary>
    Task<long> AppendAsync(Alert alert);

    Task<IReadOnlyList<Alert>> AfterAsync(long seq, int max);

    Task RecoverAsync();

    /// <summary>Stops the alerts naming the visitor from naming it (kept for the company); returns their sequences.</summary>
    Task<IReadOnlyList<long>> RedactVisitorAsync(string visitor);

    /// <summary>Retention: drops the alerts raised before <paramref name="before"/>; returns their sequences.</summary>
    Task<IReadOnlyList<long>> ForgetBeforeAsync(DateTimeOffset before);
}

/// <summary>How a site's alerts are handled by sales (key: site): claims, snoozes, outcomes, verdicts.</summary>
public interface IAlertHandlingGrain : IGrainWithStringKey
{
    /// <summary>Does <paramref name="action"/> to the alert numbered <paramref name="seq"/>; a problem when someone else's claim is in the way, or there is no such alert.</summary>
    Task<HandlingResult> ActAsync(long seq, string action, string by, string? reason, int? snoozeMinutes);

    /// <summary>The handling of alerts after <paramref name="afterSeq"/> (those with any).</summary>
    Task<IReadOnlyList<AlertHandling>> AfterAsync(long afterSeq);

    /// <summary>Drops the free-text reasons of these alerts' handling (they named an erased visitor).</summary>
    Task RedactAsync(IReadOnlyList<long> seqs);

    /// <summary>Retention: drops the handling of alerts the feed no longer holds.</summary>
    Task ForgetAsync(IReadOnlyList<long> seqs);
}

/// <summary>
/// The contact index (key: site/<see cref="Domain.Privacy.ContactKey"/>): the visitors that identified with
/// one email, so that a person's request by email finds all of them.
/// </summary>
public interface IContactGrain : IGrainWithStringKey
{
    Task AddVisitorAsync(string visitor);

    Task RemoveVisitorAsync(string visitor);

    Task<IReadOnlyList<string>> GetVisitorsAsync();
}

[GenerateSerializer, Immutable]
public sealed record HandlingResult([property: Id(0)] AlertHandling? Handling, [property: Id(1)] string? Problem, [property: Id(2)] bool NotFound = false);

/// <summary>A site's settings, rules and accounts (key: site).</summary>
public interface ISiteGrain : IGrainWithStringKey
{
    Task<SiteDefinition?> GetAsync();

    /// <summary>The definition's version, or -1 when the site does not exist: cheap cache checks.</summary>
    Task<long> GetVersionAsync();

    /// <summary>Saves the settings; a null <paramref name="retentionDays"/> keeps the store-wide default (Storage:HistoryDays).</summary>
    Task<SiteDefinition> SaveSettingsAsync(string name, IReadOnlyList<string> origins, int slaMinutes, int? retentionDays);

    /// <summary>Stores an already validated rules document as the next version.</summary>
    Task<RulesVersion> SaveRulesAsync(string json, string? author);

    Task<RulesVersion?> RestoreRulesAsync(int version, string? author);

    Task<int> ImportAccountsAsync(IReadOnlyList<Account> accounts);
}

/// <summary>An API key (key: the SHA-256 of the key, hex): only the hash is stored.</summary>
public interface IApiKeyGrain : IGrainWithStringKey
{
    Task<ApiKeyRecord?> GetAsync();

    Task CreateAsync(ApiKeyRecord record);

    Task RevokeAsync();
}

/// <summary>
/// The one notifier (key 0): every API node subscribes an observer; alerts and site changes fan out
/// to all of them, so salespeople on any node see every alert of their sites.
/// </summary>
public interface INotifierGrain : IGrainWithIntegerKey
{
    Task SubscribeAsync(INodeObserver observer);

    Task UnsubscribeAsync(INodeObserver observer);

    [OneWay]
    Task AlertRaisedAsync(Alert alert);

    [OneWay]
    Task SiteChangedAsync(string site, long version);

    [OneWay]
    Task AlertUpdatedAsync(AlertHandling handling);
}

/// <summary>What an API node (or silo) hears from the notifier.</summary>
public interface INodeObserver : IGrainObserver
{
    [OneWay]
    Task OnAlertAsync(Alert alert);

    [OneWay]
    Task OnSiteChangedAsync(string site, long version);

    [OneWay]
    Task OnAlertUpdatedAsync(AlertHandling handling);
}
