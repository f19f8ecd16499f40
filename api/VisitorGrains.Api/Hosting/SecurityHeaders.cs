namespace VisitorGrains.Api.Hosting;

/// <summary>
/// Headers on every answer: <c>X-Content-Type-Options: nosniff</c>; and, except on the tracker's scripts and
/// <c>/collect</c> (which other sites' pages load), no referrer and no framing of the API's own answers; the
/// admin dashboard gets its own content security policy (<see cref="AdminDashboard.ContentSecurityPolicy"/>).
/// </summary>
public static class SecurityHeaders
{
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((http, next) =>
        {
            // Set as the answer starts, so that error pages and challenges carry them too.
            http.Response.OnStarting(static state =>
            {
                Apply((HttpContext)state);
                return Task.CompletedTask;
            }, http);
            return next(http);
        });

    private static void Apply(HttpContext http)
    {
        var headers = http.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        if (IsForOtherSites(http.Request.Path))
        {
            return;
        }

        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        if (!headers.ContainsKey("Content-Security-Policy"))
        {
            headers.ContentSecurityPolicy = http.Request.Path.StartsWithSegments(AdminDashboard.Path)
                ? AdminDashboard.ContentSecurityPolicy
                : "frame-ancestors 'none'";
        }
    }

    /// <summary><c>/collect</c> and the top-level scripts (<c>/vg.js</c>, <c>/vg.{version}.js</c>, …).</summary>
    private static bool IsForOtherSites(PathString path) =>
        path.StartsWithSegments("/collect")
        || (path.Value is { } value && value.LastIndexOf('/') == 0 && value.EndsWith(".js", StringComparison.Ordinal));
}
