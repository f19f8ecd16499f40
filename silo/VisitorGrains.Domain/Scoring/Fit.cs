using VisitorGrains.Domain.Companies;

namespace VisitorGrains.Domain.Scoring;

/// <summary>How well a company fits the ideal customer profile, kept apart from engagement.</summary>
public sealed record FitScore(int Score, IReadOnlyList<string> Matched, IReadOnlyList<string> Missed)
{
    public static FitScore None { get; } = new(0, [], []);

    /// <summary>Each configured criterion counts equally; an unknown fact (no employee count) is a miss.</summary>
    public static FitScore Of(CompanyRef company, IcpRule? icp)
    {
        if (icp is null)
        {
            return None;
        }

        var matched = new List<string>();
        var missed = new List<string>();
        void Check(string criterion, bool configured, bool holds)
        {
            if (configured)
            {
                (holds ? matched : missed).Add(criterion);
            }
        }

        Check("industry", icp.Industries.Count > 0,
            company.Industry is { } industry && icp.Industries.Contains(industry, StringComparer.OrdinalIgnoreCase));
        Check("employees", icp.MinEmployees is not null || icp.MaxEmployees is not null,
            company.Employees is { } e && e >= (icp.MinEmployees ?? 0) && e <= (icp.MaxEmployees ?? int.MaxValue));
        Check("revenue", icp.MinRevenue is not null || icp.MaxRevenue is not null,
            company.Revenue is { } r && r >= (icp.MinRevenue ?? 0) && r <= (icp.MaxRevenue ?? decimal.MaxValue));
        Check("country", icp.Countries.Count > 0,
            company.Country is { } country && icp.Countries.Contains(country, StringComparer.OrdinalIgnoreCase));

        var configured = matched.Count + missed.Count;
        return configured == 0 ? None : new FitScore((int)Math.Round(100d * matched.Count / configured), matched, missed);
    }

    public bool IsIcp(IcpRule? icp) => icp is not null && Matched.Count > 0 && Score >= icp.MinFit;
}
