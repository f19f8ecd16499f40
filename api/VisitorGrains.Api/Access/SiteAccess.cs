using System.Security.Claims;
using VisitorGrains.Grains.Access;

namespace VisitorGrains.Api.Access;

/// <summary>Who may do what on which site: admins everything, others their role on their sites.</summary>
public static class SiteAccess
{
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
}
