namespace VisitorGrains.Domain.Scoring;

/// <summary>
/// A site's rules document as marketers write it (README documents every field). The foundation
/// uses page and event signals, engagement, return visits, decay, thresholds and the hot-company
/// switch; the rest is kept and validated so documents written today keep working.
/// </summary>
public sealed class RulesDocument
{
    public List<PageSignalRule> Pages { get; set; } = [];
    public List<EventSignalRule> Events { get; set; } = [];
    public EngagementRule? Engagement { get; set; }
    public ReturnVisitRule? ReturnVisit { get; set; }
    public DecayRule? Decay { get; set; }
    public IcpRule? Icp { get; set; }
    public ThresholdsRule Thresholds { get; set; } = new();
    public AlertSwitches Alerts { get; set; } = new();
    /// <summary>Most points a visitor holds from one category at a time (decayed), e.g. {"blog": 15}.</summary>
    public Dictionary<string, double> Caps { get; set; } = [];
    public RoutingRule? Routing { get; set; }
}

/// <summary>Who gets an alert when the account has no owner: a territory owner, else one of the salespeople.</summary>
public sealed class RoutingRule
{
    /// <summary>Country code → salesperson.</summary>
    public Dictionary<string, string> Territories { get; set; } = [];
    public List<string> Salespeople { get; set; } = [];
}

public sealed class PageSignalRule
{
    /// <summary>An exact path, a glob (<c>*</c> within a segment, <c>**</c> across), or <c>re:</c> and a regex.</summary>
    public string Match { get; set; } = "";
    public string Category { get; set; } = "";
    public double Points { get; set; }
    public bool HighIntent { get; set; }
}

public sealed class EventSignalRule
{
    public string Name { get; set; } = "";
    public double Points { get; set; }
}

public sealed class EngagementRule
{
    public double PointsPerMinute { get; set; }
    /// <summary>Most engagement points one session can earn.</summary>
    public double Max { get; set; }
}

public sealed class ReturnVisitRule
{
    public double Points { get; set; }
    public double WithinDays { get; set; }
}

public sealed class DecayRule
{
    public double HalfLifeDays { get; set; }
}

/// <summary>The ideal customer profile: each criterion set counts equally towards a fit score of 0–100.</summary>
public sealed class IcpRule
{
    public List<string> Industries { get; set; } = [];
    public int? MinEmployees { get; set; }
    public int? MaxEmployees { get; set; }
    public decimal? MinRevenue { get; set; }
    public decimal? MaxRevenue { get; set; }
    public List<string> Countries { get; set; } = [];
    /// <summary>The fit score from which a company counts as an ICP company (default: every criterion).</summary>
    public int MinFit { get; set; } = 100;
}

public sealed class ThresholdsRule
{
    public double Warm { get; set; } = 30;
    public double Hot { get; set; } = 60;
    public double Mql { get; set; } = 40;
}

public sealed class AlertSwitches
{
    public bool HighIntentPage { get; set; } = true;
    public bool IcpCompany { get; set; } = true;
    public bool LostDealReturns { get; set; } = true;
    public bool CustomerNewProduct { get; set; } = true;
    public bool HotCompany { get; set; } = true;
    public SurgeRule? Surge { get; set; }
    public double CooldownHours { get; set; } = 24;
}

public sealed class SurgeRule
{
    public int Visitors { get; set; }
    public double Days { get; set; }
}
