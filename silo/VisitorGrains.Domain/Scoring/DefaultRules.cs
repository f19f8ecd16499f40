namespace VisitorGrains.Domain.Scoring;

/// <summary>The rules a new site starts with (API.md): a sensible B2B default marketers then tune.</summary>
public static class DefaultRules
{
    public const string Json = """
        {
          "pages": [
            {"match": "/pricing*", "category": "pricing", "points": 20, "highIntent": true},
            {"match": "/contact*", "category": "contact", "points": 25, "highIntent": true},
            {"match": "/customers/*", "category": "case-study", "points": 10, "highIntent": true},
            {"match": "re:^/products/(?<product>[a-z0-9-]+)", "category": "product", "points": 5},
            {"match": "/careers*", "category": "careers", "points": -15}
          ],
          "events": [{"name": "demo_requested", "points": 50}, {"name": "whitepaper_download", "points": 15}],
          "engagement": {"pointsPerMinute": 2, "max": 20},
          "returnVisit": {"points": 10, "withinDays": 7},
          "decay": {"halfLifeDays": 14},
          "icp": {"industries": ["automotive", "manufacturing"], "minEmployees": 200, "countries": ["SE", "PL"]},
          "thresholds": {"warm": 30, "hot": 60, "mql": 40},
          "alerts": {"highIntentPage": true, "icpCompany": true, "lostDealReturns": true,
                     "customerNewProduct": true, "hotCompany": true,
                     "surge": {"visitors": 3, "days": 7}, "cooldownHours": 24}
        }
        """;
}
