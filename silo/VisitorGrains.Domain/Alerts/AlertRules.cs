using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Journeys;
using VisitorGrains.Domain.Lifecycle;
using VisitorGrains.Domain.Scoring;

namespace VisitorGrains.Domain.Alerts;

/// <summary>What the alert rules look at when a visitor's contribution reaches its company.</summary>
public sealed record AlertFacts(
    CompanyContribution Contribution,
    CompiledRules Rules,
    double ScoreBefore,
    double ScoreAfter,
    int ActiveVisitorsBefore,
    int ActiveVisitorsAfter,
    FitScore Fit);

/// <summary>A rule that fired, with the facts that made it fire (the score's receipts are added to them).</summary>
public sealed record FiredRule(string Rule, IReadOnlyList<ScoreReason> Facts);

/// <summary>
/// The sales signals of DOMAIN.md as pure rules. Competitors and the site's own company never alert;
/// cooldowns are applied by the caller, which knows when each rule last fired.
/// </summary>
public static class AlertRules
{
    public static List<FiredRule> Evaluate(AlertFacts f)
    {
        var fired = new List<FiredRule>();
        var company = f.Contribution.Company;
        if (company.Status is CrmStatus.Competitor or CrmStatus.Own)
        {
            return fired;
        }

        var switches = f.Rules.Document.Alerts;
        var thresholds = f.Rules.Thresholds;
        if (switches.HotCompany && f.ScoreBefore < thresholds.Hot && f.ScoreAfter >= thresholds.Hot)
        {
            fired.Add(new FiredRule(AlertRule.HotCompany, []));
        }

        if (switches.HighIntentPage && f.Contribution.HighIntentPages.Count > 0
            && (f.Contribution.Stage >= Stage.Mql || f.ScoreAfter >= thresholds.Warm))
        {
            var why = f.Contribution.Stage >= Stage.Mql ? "stage:mql" : "temperature:warm";
            fired.Add(new FiredRule(AlertRule.HighIntentPage,
                [new ScoreReason(why, (int)f.ScoreAfter), .. f.Contribution.HighIntentPages.Distinct().Select(p => new ScoreReason("page:" + p, 0))]));
        }

        if (switches.IcpCompany && f.Fit.IsIcp(f.Rules.Document.Icp))
        {
            fired.Add(new FiredRule(AlertRule.IcpCompany,
                [new ScoreReason("icp:fit", f.Fit.Score), .. f.Fit.Matched.Select(m => new ScoreReason("icp:" + m, 0))]));
        }

        if (switches.LostDealReturns && company.Status == CrmStatus.LostDeal)
        {
            fired.Add(new FiredRule(AlertRule.LostDealReturns, [new ScoreReason("crm:lost-deal", 0)]));
        }

        if (switches.CustomerNewProduct && company.Status == CrmStatus.Customer)
        {
            var owned = new HashSet<string>(company.Products, StringComparer.OrdinalIgnoreCase);
            var added = f.Contribution.Products.Where(p => !owned.Contains(p)).ToList();
            if (added.Count > 0)
            {
                fired.Add(new FiredRule(AlertRule.CustomerNewProduct, added.Select(p => new ScoreReason("product:" + p, 0)).ToList()));
            }
        }

        if (switches.Surge is { Visitors: >= 2 } surge && f.ActiveVisitorsBefore < surge.Visitors && f.ActiveVisitorsAfter >= surge.Visitors)
        {
            fired.Add(new FiredRule(AlertRule.Surge, [new ScoreReason("surge:visitors", f.ActiveVisitorsAfter)]));
        }

        return fired;
    }

    /// <summary>
    /// Who is told: the account's owner, else the owner of its country's territory, else one of the
    /// site's salespeople, chosen by the company so that one company always goes to the same person.
    /// </summary>
    public static string? AssigneeFor(CompanyRef company, CompiledRules rules)
    {
        if (!string.IsNullOrEmpty(company.Owner))
        {
            return company.Owner;
        }

        var routing = rules.Document.Routing;
        if (routing is null)
        {
            return null;
        }

        if (company.Country is { } country && routing.Territories.FirstOrDefault(t => string.Equals(t.Key, country, StringComparison.OrdinalIgnoreCase)).Value is { } territoryOwner)
        {
            return territoryOwner;
        }

        return routing.Salespeople.Count == 0
            ? null
            : routing.Salespeople[(int)(VisitorState.EventIdHash(company.Id) % (ulong)routing.Salespeople.Count)];
    }
}
