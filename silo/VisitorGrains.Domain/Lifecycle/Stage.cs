namespace VisitorGrains.Domain.Lifecycle;

/// <summary>The lifecycle stages of DOMAIN.md, in order. Later stages are set by sales and the CRM.</summary>
[GenerateSerializer]
public enum Stage
{
    Visitor,
    Prospect,
    Lead,
    Mql,
    Sql,
    Opportunity,
    Customer,
}

/// <summary>A move between stages, kept with its time and reason.</summary>
[GenerateSerializer, Immutable]
public sealed record StageChange(
    [property: Id(0)] Stage From,
    [property: Id(1)] Stage To,
    [property: Id(2)] long At,
    [property: Id(3)] string Reason);

public static class StageNames
{
    /// <summary>The names used on the wire (API.md: "MQL").</summary>
    public static string Display(Stage stage) => stage switch
    {
        Stage.Visitor => "visitor",
        Stage.Prospect => "prospect",
        Stage.Lead => "lead",
        Stage.Mql => "MQL",
        Stage.Sql => "SQL",
        Stage.Opportunity => "opportunity",
        Stage.Customer => "customer",
        _ => stage.ToString(),
    };
}

/// <summary>
/// The automatic part of the lifecycle: what engagement and identification alone can tell.
/// Stages set by people (SQL and beyond) are never changed by it.
/// </summary>
public static class StageRules
{
    /// <summary>Every stage passed on the way up, in order (a first visit may make a prospect and an MQL at once).</summary>
    public static List<(Stage Stage, string Reason)> Moves(Stage current, bool companyKnown, bool identified, bool overMql)
    {
        var moves = new List<(Stage, string)>();
        if (current >= Stage.Sql)
        {
            return moves;
        }

        if (companyKnown && current < Stage.Prospect)
        {
            moves.Add((Stage.Prospect, "company identified"));
        }

        if (identified && current < Stage.Lead)
        {
            moves.Add((Stage.Lead, "identified contact"));
        }

        if (overMql && current < Stage.Mql)
        {
            moves.Add((Stage.Mql, "score reached the MQL threshold"));
        }

        return moves;
    }
}

/// <summary>What sales can do with a lead (API: POST …/visitors/{visitor}/stage).</summary>
public enum SalesMove
{
    Accept,
    Reject,
    Opportunity,
    Customer,
}
