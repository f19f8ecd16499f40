using Microsoft.Extensions.FileProviders;
using VisitorGrains.Api.Access;
using VisitorGrains.Grains.Access;

namespace VisitorGrains.Api.Web;

/// <summary>
/// The web UI (web/, built with npm and shipped beside the binaries as web/): the sign-in page, the live
/// feed at /, company pages, the rules editor and site settings. Pages are one static shell; what they
/// show comes from /api and the hub with the session cookie.
/// </summary>
public static class WebUi
{
    /// <summary>No inline script or style, nothing from elsewhere, never framed.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>The UI's pages (all served by the one shell, which routes by path), and whether they are the marketers'.</summary>
    private static readonly (string Path, bool Configure)[] Pages =
        [("/", false), ("/companies/{id}", false), ("/rules", true), ("/reports", true), ("/accounts", true), ("/settings", true)];

    private static string Directory => Path.Combine(AppContext.BaseDirectory, "web");

    public static IApplicationBuilder UseWebUiAssets(this IApplicationBuilder app)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return app;
        }

        return app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(Directory),
            RequestPath = "/ui",
            OnPrepareResponse = context =>
            {
                SecurityHeaders(context.Context.Response);
                context.Context.Response.Headers.CacheControl = "no-cache";
            },
        });
    }

    public static IEndpointRouteBuilder MapWebUi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/login", (HttpContext http) => Serve(http, "login.html")).AllowAnonymous().ExcludeFromDescription();
        foreach (var (page, configure) in Pages)
        {
            app.MapGet(page, (HttpContext http) => Page(http, configure)).AllowAnonymous().ExcludeFromDescription();
        }

        return app;
    }

    /// <summary>
    /// Signed-out people go to /login; a page of a site the user may not see (<c>?site=</c>), or a
    /// marketers' page for a salesperson, is refused here as well as by every API call it would make.
    /// </summary>
    private static IResult Page(HttpContext http, bool configure)
    {
        var user = http.User;
        if (user.Identity?.IsAuthenticated != true)
        {
            return Results.Redirect("/login?returnUrl=" + Uri.EscapeDataString(http.Request.Path + http.Request.QueryString));
        }

        var site = http.Request.Query["site"].ToString();
        var allowed = site.Length > 0
            ? SiteAccess.Gate(site, user, configure) is null
            : !configure || user.IsAdmin() || user.IsInRole(Roles.Marketer);
        if (!allowed)
        {
            SecurityHeaders(http.Response);
            return SiteAccess.Forbidden(configure ? "This page is the marketers' of this site." : "Not allowed for this site.");
        }

        return Serve(http, "index.html");
    }

    /// <summary>The UI's policy; nosniff, no framing and no referrer come with every answer (Hosting/SecurityHeaders).</summary>
    public static void SecurityHeaders(HttpResponse response) => response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;

    private static IResult Serve(HttpContext http, string file)
    {
        SecurityHeaders(http.Response);
        http.Response.Headers.CacheControl = "no-store";
        var path = Path.Combine(Directory, file);
        return File.Exists(path)
            ? Results.File(path, "text/html; charset=utf-8")
            : Results.Problem(statusCode: StatusCodes.Status404NotFound,
                detail: "The web UI has not been built: run 'npm ci && npm run build' in web/ and build the API again.");
    }
}
