using Orleans.Dashboard;
using VisitorGrains.Api.Access;

namespace VisitorGrains.Api.Hosting;

/// <summary>
/// Orleans' own dashboard (silos, grain types and activations, calls and latencies per grain method) at
/// <c>/dashboard/</c>, for admins: an admin's session in the browser, or an admin API key. Off unless
/// <c>Dashboard:Enabled</c> is true: it is for a diagnosis, not for always. Its metrics reader runs every second
/// and each run counts every activation (Orleans' activation and directory-cache gauges walk them all):
/// ~0.45 s of CPU a second at 250,000 resident visitors, 16% of the machine in the scale run; and every grain
/// call passes its profiling filter.
/// </summary>
public static class AdminDashboard
{
    public const string Path = "/dashboard";

    public static bool Enabled(IConfiguration configuration) => configuration.GetValue("Dashboard:Enabled", false);

    /// <summary>
    /// Its bundle is one script file of its own, but it sets inline styles (charts, diagrams): so styles may be
    /// inline here, and only here; scripts still come from this server alone.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
        "font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>
    /// The silo's side: counters and, while someone looks, per-method profiling (it switches itself off a
    /// minute after the last look). The live log stream is left out: it is a never-ending answer, and the
    /// logs have their own place.
    /// </summary>
    public static ISiloBuilder AddAdminDashboard(this ISiloBuilder silo, IConfiguration configuration) =>
        !Enabled(configuration) ? silo : silo.AddDashboard(options =>
        {
            options.HideTrace = true;
            // Each sample counts every activation (Orleans' activation gauges walk them all): at 100,000 resident
            // visitors a sample a second took 2% of the CPU. Charts move every 5 seconds instead.
            options.CounterUpdateIntervalMs = CounterUpdateIntervalMs;
        });

    public const int CounterUpdateIntervalMs = 5000;

    /// <summary>An API node that is a client of the cluster serves the dashboard from the silos' figures.</summary>
    public static IClientBuilder AddAdminDashboard(this IClientBuilder client, IConfiguration configuration) =>
        !Enabled(configuration) ? client : client.AddDashboard(options => options.HideTrace = true);

    public static WebApplication MapAdminDashboard(this WebApplication app)
    {
        if (!Enabled(app.Configuration))
        {
            return app;
        }

        app.UseWhen(http => http.Request.Path.StartsWithSegments(Path), dashboard => dashboard.Use(AnswerMalformedSiloAsync));
        app.MapOrleansDashboard(routePrefix: Path).RequireAuthorization(SiteAccess.AdminPolicy);
        return app;
    }

    /// <summary>A silo address in the URL that does not parse is the caller's mistake: 400, not the dashboard's 500.</summary>
    private static async Task AnswerMalformedSiloAsync(HttpContext http, RequestDelegate next)
    {
        try
        {
            await next(http);
        }
        catch (InvalidOperationException ex) when (ex.InnerException is FormatException && !http.Response.HasStarted)
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            await Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not a silo address.",
                detail: "Silo addresses look like 10.0.0.5:11111@123456789 (the dashboard's silo list shows them).").ExecuteAsync(http);
        }
    }
}
