namespace VisitorGrains.Tests.Support;

/// <summary>Rules documents more than one test class sets.</summary>
public static class TestRules
{
    /// <summary>Three high-intent page kinds and only the hot-company alert: one alert once a company reaches 60.</summary>
    public const string HotCompanyOnly = """
        {
          "pages": [
            {"match": "/pricing*", "category": "pricing", "points": 25, "highIntent": true},
            {"match": "/contact*", "category": "contact", "points": 25, "highIntent": true},
            {"match": "/customers/*", "category": "case-study", "points": 15, "highIntent": true}
          ],
          "thresholds": {"warm": 30, "hot": 60, "mql": 40},
          "alerts": {"hotCompany": true, "highIntentPage": false, "icpCompany": false, "lostDealReturns": false,
                     "customerNewProduct": false, "cooldownHours": 24}
        }
        """;
}
