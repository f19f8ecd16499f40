using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Scoring;

namespace VisitorGrains.Domain.Sites;

/// <summary>
/// A site compiled for the hot path: rules compiled, accounts indexed, origins parsed. Built once per
/// site version and shared by every request and grain of a node.
/// </summary>
public sealed class SiteSnapshot
{
    public SiteSnapshot(SiteDefinition definition)
    {
        Definition = definition;
        var current = definition.CurrentRules;
        Rules = CompiledRules.Compile(current.Version, current.Json).Rules ?? CompiledRules.Default;
        Accounts = new AccountDirectory(definition.Accounts);
        Origins = new OriginPolicy(definition.Origins);
    }

    public string Id => Definition.Id;
    public long Version => Definition.Version;
    public SiteDefinition Definition { get; }
    public CompiledRules Rules { get; }
    public AccountDirectory Accounts { get; }
    public OriginPolicy Origins { get; }
}
