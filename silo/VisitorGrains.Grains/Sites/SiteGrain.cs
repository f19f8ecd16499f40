using Microsoft.Extensions.Options;
using Orleans.Serialization;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Scoring;
using VisitorGrains.Domain.Sites;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Storage;

namespace VisitorGrains.Grains.Sites;

/// <summary>The authority for one site's settings, rules versions and accounts.</summary>
public sealed class SiteGrain(IJournalStore store, Serializer serializer, IOptions<StorageOptions> options,
    SiteDirectory directory, TimeProvider time) : Grain, ISiteGrain
{
    private Journal<SiteDefinition, SiteDefinition> _journal = null!;
    private SiteDefinition? _site;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _journal = new(store, serializer, StreamNames.Site(this.GetPrimaryKeyString()), options.Value.CheckpointEvery);
        (_site, _) = await _journal.LoadAsync(cancellationToken);
    }

    public Task<SiteDefinition?> GetAsync()
    {
        if (_site is null)
        {
            DeactivateOnIdle();
        }

        return Task.FromResult(_site);
    }

    public Task<long> GetVersionAsync() => Task.FromResult(_site?.Version ?? -1);

    public async Task<SiteDefinition> SaveSettingsAsync(string name, IReadOnlyList<string> origins, int slaMinutes, int? retentionDays)
    {
        var site = _site ?? New();
        site.Name = name;
        site.Origins = [.. origins];
        site.SlaMinutes = slaMinutes;
        site.RetentionDays = retentionDays;
        await SaveAsync(site);
        return site;
    }

    public async Task<RulesVersion> SaveRulesAsync(string json, string? author)
    {
        var site = _site ?? New();
        var version = new RulesVersion(site.Rules.Count == 0 ? 1 : site.Rules[^1].Version + 1, time.GetUtcNow(), json, author);
        site.Rules.Add(version);
        if (site.Rules.Count > SiteDefinition.MaxRulesVersions)
        {
            site.Rules.RemoveAt(0);
        }

        await SaveAsync(site);
        return version;
    }

    public async Task<RulesVersion?> RestoreRulesAsync(int version, string? author)
    {
        var old = _site?.Rules.Find(r => r.Version == version);
        return old is null ? null : await SaveRulesAsync(old.Json, author);
    }

    public async Task<int> ImportAccountsAsync(IReadOnlyList<Account> accounts)
    {
        var site = _site ?? New();
        site.Accounts = AccountImport.Merge(site.Accounts, accounts);
        await SaveAsync(site);
        return site.Accounts.Count;
    }

    private SiteDefinition New()
    {
        var id = this.GetPrimaryKeyString();
        return new SiteDefinition
        {
            Id = id,
            Name = id,
            CreatedAt = time.GetUtcNow(),
            Rules = [new RulesVersion(1, time.GetUtcNow(), DefaultRules.Json, null)],
        };
    }

    private async Task SaveAsync(SiteDefinition site)
    {
        site.Version++;
        try
        {
            await _journal.SaveAsync(site);
        }
        catch
        {
            // The change was made in place: go back to what storage holds.
            DeactivateOnIdle();
            throw;
        }

        _site = site;
        directory.Invalidate(site.Id, site.Version);
        await GrainFactory.GetGrain<INotifierGrain>(0).SiteChangedAsync(site.Id, site.Version);
    }
}
