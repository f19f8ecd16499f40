using System.Security.Claims;
using VisitorGrains.Domain.Collecting;
using VisitorGrains.Grains.Access;

namespace VisitorGrains.Api.Access;

/// <summary>Who may do what on which site: admins everything, others their role on their sites.</summary>
public static class SiteAccess
{
    /// <summary>The authorization policy of admin-only endpoints that are not the API's own (metrics, the dashboard).</summary>
    public const string AdminPolicy = "admin";

    public static bool IsAdmin(this ClaimsPrincipal user) => user.IsInRole(Roles.Admin);

    public static bool CanAccess(this ClaimsPrincipal user, string site, params string[] roles)
    {
        if (user.IsAdmin())
        {
            return true;
        }

        return roles.Any(user.IsInRole)
               && user.FindAll(ApiKeyAuthentication.SiteClaim).Any(c => c.Value == site || c.Value == Roles.AnySite);
    }

    /// <summary>Sales reads the feed and companies; marketers too; admins everything.</summary>
    public static bool CanRead(this ClaimsPrincipal user, string site) => user.CanAccess(site, Roles.Sales, Roles.Marketer);

    /// <summary>Rules, accounts and settings are the marketers'.</summary>
    public static bool CanConfigure(this ClaimsPrincipal user, string site) => user.CanAccess(site, Roles.Marketer);

    public static IResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: detail);

    public const string SiteIdRule = "1–64 characters of a–z, 0–9, '-' and '_'.";
    public const string VisitorIdRule = "8–64 characters of A–Z, a–z, 0–9, '-' and '_'.";

    public static IResult InvalidSiteId() => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["site"] = [SiteIdRule] });

    /// <summary>
    /// The gate of every site endpoint: a valid site id, and a user who may read it (sales, marketers) or,
    /// with <paramref name="configure"/>, change it (marketers). Null when the request may go on.
    /// </summary>
    public static IResult? Gate(string site, ClaimsPrincipal user, bool configure = false, string? detail = null)
    {
        if (!Identifiers.IsSiteId(site))
        {
            return InvalidSiteId();
        }

        var allowed = configure ? user.CanConfigure(site) : user.CanRead(site);
        return allowed ? null : Forbidden(detail ?? "Not allowed for this site.");
    }
}
