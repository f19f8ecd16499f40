using VisitorGrains.Domain.Alerts;
using VisitorGrains.Domain.Collecting;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Journeys;
using VisitorGrains.Domain.Scoring;

namespace VisitorGrains.Domain.Backtesting;

/// <summary>How one company scores under a set of rules at the end of a backtest.</summary>
[GenerateSerializer, Immutable]
public sealed record CompanyOutcome(
    [property: Id(0)] string Company,
    [property: Id(1)] string Name,
    [property: Id(2)] int Score,
    [property: Id(3)] string Temperature);

/// <summary>
/// Replays recorded visits through fresh visitors and companies under one set of rules: the alerts they
/// would have raised and the scores they would have reached. Pure: the same history and rules give the
/// same outcome. Only what visitors did is replayed (their events and identification), not what was
/// decided at the time.
/// </summary>
public sealed class BacktestRun(string site, CompiledRules rules)
{
    private readonly Dictionary<string, VisitorState> _visitors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CompanyState> _companies = new(StringComparer.Ordinal);
    private long _alertNumber;

    public List<Alert> Alerts { get; } = [];

    public void Replay(string visitor, VisitorEntry recorded)
    {
        if (recorded.Events.Count == 0)
        {
            return;
        }

        if (!_visitors.TryGetValue(visitor, out var state))
        {
            _visitors[visitor] = state = new VisitorState { Site = site, Visitor = visitor };
        }

        var at = recorded.Events[^1].At;
        var batch = new CollectBatch { Site = site, Visitor = visitor, Events = recorded.Events };
        var entry = state.Decide(batch, recorded.Identification, rules, at);
        if (entry is null)
        {
            return;
        }

        state.Apply(entry, state.Seq + 1);
        if (state.ContributionOf(entry, state.Seq) is not { } contribution)
        {
            return;
        }

        if (!_companies.TryGetValue(contribution.Company.Id, out var company))
        {
            _companies[contribution.Company.Id] = company = new CompanyState { Site = site, Id = contribution.Company.Id };
        }

        if (company.Decide(contribution, rules, at, () => $"backtest_{++_alertNumber}") is { } decided)
        {
            company.Apply(decided, company.Seq + 1);
            company.Outbox.Clear();
            Alerts.AddRange(decided.Alerts);
        }
    }

    public List<CompanyOutcome> Companies(long at) => _companies.Values
        .Where(c => c.Company is not null)
        .Select(c =>
        {
            var score = c.Score(at, rules);
            return new CompanyOutcome(c.Id, c.Company!.Name, ScoreMath.Whole(score), TemperatureNames.Display(rules.TemperatureOf(score)));
        })
        .ToList();
}

/// <summary>The current rules and a draft, side by side over the same history.</summary>
[GenerateSerializer, Immutable]
public sealed record BacktestResult
{
    [Id(0)] public required IReadOnlyDictionary<string, int> CurrentAlertsByRule { get; init; }
    [Id(1)] public required IReadOnlyDictionary<string, int> DraftAlertsByRule { get; init; }
    /// <summary>The draft's alerts, oldest first (at most <see cref="MaxAlerts"/>).</summary>
    [Id(2)] public required IReadOnlyList<Alert> DraftAlerts { get; init; }
    /// <summary>Companies whose score differs most between the rules, largest difference first.</summary>
    [Id(3)] public required IReadOnlyList<ScoreDifference> Scores { get; init; }
    [Id(4)] public required long Visits { get; init; }

    public const int MaxAlerts = 500;
    public const int MaxScores = 100;

    public static BacktestResult Compare(BacktestRun current, BacktestRun draft, long at, long visits)
    {
        var before = current.Companies(at).ToDictionary(c => c.Company, StringComparer.Ordinal);
        var after = draft.Companies(at).ToDictionary(c => c.Company, StringComparer.Ordinal);
        var scores = before.Keys.Union(after.Keys, StringComparer.Ordinal)
            .Select(id => new ScoreDifference(id, (after.GetValueOrDefault(id) ?? before[id]).Name,
                before.GetValueOrDefault(id)?.Score ?? 0, after.GetValueOrDefault(id)?.Score ?? 0,
                before.GetValueOrDefault(id)?.Temperature ?? "cold", after.GetValueOrDefault(id)?.Temperature ?? "cold"))
            .OrderByDescending(d => Math.Abs(d.Draft - d.Current)).ThenBy(d => d.Company, StringComparer.Ordinal)
            .Take(MaxScores)
            .ToList();
        return new BacktestResult
        {
            CurrentAlertsByRule = ByRule(current.Alerts),
            DraftAlertsByRule = ByRule(draft.Alerts),
            DraftAlerts = draft.Alerts.Take(MaxAlerts).ToList(),
            Scores = scores,
            Visits = visits,
        };
    }

    private static Dictionary<string, int> ByRule(IEnumerable<Alert> alerts) =>
        alerts.GroupBy(a => a.Rule, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
}

[GenerateSerializer, Immutable]
public sealed record ScoreDifference(
    [property: Id(0)] string Company,
    [property: Id(1)] string Name,
    [property: Id(2)] int Current,
    [property: Id(3)] int Draft,
    [property: Id(4)] string CurrentTemperature,
    [property: Id(5)] string DraftTemperature);
