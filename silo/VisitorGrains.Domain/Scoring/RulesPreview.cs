using VisitorGrains.Domain.Collecting;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Journeys;
using VisitorGrains.Domain.Lifecycle;

namespace VisitorGrains.Domain.Scoring;

/// <summary>The score after each page of a sample journey.</summary>
public sealed record PreviewStep(string Path, int Score);

/// <summary>What a sample journey would score under a set of rules.</summary>
public sealed record PreviewResult(int Score, string Temperature, string Stage, IReadOnlyList<ScoreReason> Reasons, IReadOnlyList<PreviewStep> Steps);

/// <summary>
/// Scores a sample journey (paths viewed one minute apart, ending now) through a fresh visitor under a
/// set of rules: what marketers see before they save. Pure, like a backtest of one made-up visitor.
/// </summary>
public static class RulesPreview
{
    public const int MaxPages = 50;

    public static PreviewResult Score(CompiledRules rules, IReadOnlyList<string> paths, long now)
    {
        var state = new VisitorState { Site = "preview", Visitor = "v_preview" };
        var steps = new List<PreviewStep>(paths.Count);
        for (var i = 0; i < paths.Count; i++)
        {
            var at = now - (paths.Count - 1 - i) * 60_000L;
            var page = new TrackedEvent { Id = $"e_preview_{i}", Kind = EventKind.PageView, At = at, Path = paths[i], Url = "https://preview.invalid" + paths[i] };
            var batch = new CollectBatch { Site = state.Site, Visitor = state.Visitor, Events = [page] };
            if (state.Decide(batch, Identification.None("unknown"), rules, at) is { } entry)
            {
                state.Apply(entry, state.Seq + 1);
            }

            steps.Add(new PreviewStep(paths[i], ScoreMath.Whole(state.Score(at, rules))));
        }

        var score = state.Score(now, rules);
        return new PreviewResult(ScoreMath.Whole(score), TemperatureNames.Display(rules.TemperatureOf(score)),
            StageNames.Display(state.Stage), state.Reasons(now, rules), steps);
    }
}
