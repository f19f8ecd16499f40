using System.Net;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.HttpOverrides;
using VisitorGrains.Api.Access;
using VisitorGrains.Api.Collecting;
using VisitorGrains.Api.Live;
using VisitorGrains.Api.Privacy;
using VisitorGrains.Api.Prospects;
using VisitorGrains.Api.Sites;
using VisitorGrains.Api.Tracker;
using VisitorGrains.Api.Web;
using VisitorGrains.Domain.Collecting;
using VisitorGrains.Grains.Identifying;
using VisitorGrains.Domain;
using VisitorGrains.Grains.Access;
using VisitorGrains.Grains.Hosting;

namespace VisitorGrains.Api.Hosting;

/// <summary>All of the API's registrations and its request pipeline, in one place.</summary>
public static class Extensions
{
    /// <summary>The marker UseAuthentication() leaves on an application builder (Microsoft.AspNetCore.Builder.AuthAppBuilderExtensions).</summary>
    private const string AuthenticationMiddlewareSetKey = "__AuthenticationMiddlewareSet";

    /// <summary>The marker UseAuthorization() leaves (Microsoft.AspNetCore.Builder.AuthorizationAppBuilderExtensions).</summary>
    private const string AuthorizationMiddlewareSetKey = "__AuthorizationMiddlewareSet";

    public static IServiceCollection AddApiServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddVisitorGrainsServices(configuration);
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(options => DomainJson.Configure(options.SerializerOptions));
        services.AddOpenApi();

        services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var range in configuration.GetSection("Collect:TrustedProxies").Get<string[]>() ?? ["127.0.0.0/8", "::1/128"])
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(range));
            }
        });

        services.AddIdentification(configuration);
        services.AddSingleton(_ => configuration.GetValue("Collect:DropBots", true)
            ? BotFilter.Load(Path.Combine(AppContext.BaseDirectory, "lists", "crawler-user-agents.txt"),
                allowHttpLibraries: configuration.GetValue("Collect:AllowHttpLibraries", true))
            : BotFilter.None);
        services.Configure<RateLimitOptions>(configuration.GetSection("RateLimits"));
        services.AddSingleton<CollectRateLimits>();

        services.AddSignIn(configuration);
        services.AddAuthorizationBuilder().AddPolicy(SiteAccess.AdminPolicy, policy => policy.RequireRole(Roles.Admin));
        services.AddSingleton<ApiKeyCache>();

        services.AddSignalR().AddJsonProtocol(options => DomainJson.Configure(options.PayloadSerializerOptions));
        services.AddSingleton<LiveFeed>();
        services.AddSingleton<HubCredentials>();
        services.AddHostedService(sp => sp.GetRequiredService<HubCredentials>());
        services.AddSingleton<TrackerScripts>();
        services.AddHostedService<NotifierSubscription>();
        services.AddObservability(configuration);
        return services;
    }

    public static WebApplication MapVisitorGrains(this WebApplication app)
    {
        app.UseSecurityHeaders();
        app.UseExceptionHandler(handler => handler.Run(WriteProblemAsync));
        app.UseStatusCodePages();
        app.UseForwardedHeaders();
        // An address over its limit is refused here, before routing and before its body is read.
        app.UseCollectThrottle();
        app.UseRouting();
        app.UseWebUiAssets();
        // Tracker events are anonymous and never read a user: a page view skips reading the session cookie
        // (a twentieth of what a page view allocated) and the CSRF check, which would refuse the events of a
        // signed-in colleague browsing the site where /collect is served from its own domain.
        app.UseWhen(http => !CollectThrottle.IsCollect(http.Request),
            signedIn => signedIn.UseAuthentication().UseCsrfCheck().UseAuthorization());
        // WebApplication puts UseAuthentication() and UseAuthorization() in front of the whole pipeline unless
        // the app called them; the calls above mark only their branch, so without this every request (a page
        // view too) went through both once more up front
        // (SignInTests.TrackerEvents_FromABrowserThatIsSignedIn_AreCountedNotRefused).
        var properties = ((IApplicationBuilder)app).Properties;
        properties[AuthenticationMiddlewareSetKey] = true;
        properties[AuthorizationMiddlewareSetKey] = true;

        app.MapHealth();
        app.MapOpenApi().AllowAnonymous();
        app.MapCollect();
        app.MapTracker();
        app.MapSignIn();
        app.MapWebUi();
        var api = app.MapGroup("/api").RequireAuthorization();
        api.MapKeysApi();
        api.MapUsersApi();
        api.MapStatsApi();
        api.MapSitesApi();
        api.MapBacktestApi();
        api.MapProspectsApi();
        api.MapDataSubjectApi();
        app.MapHub<ProspectsHub>("/hubs/prospects");
        app.MapMetrics(app.Configuration);
        app.MapAdminDashboard();
        return app;
    }

    /// <summary>
    /// The last line of defence: a request the client got wrong (a bad header, a body cut short) is a
    /// 4xx with problem details; only our own failures are 5xx.
    /// </summary>
    private static async Task WriteProblemAsync(HttpContext http)
    {
        var error = http.Features.Get<IExceptionHandlerFeature>()?.Error;
        var (status, title) = error switch
        {
            BadHttpRequestException bad => (bad.StatusCode, "The request could not be read."),
            OperationCanceledException when http.RequestAborted.IsCancellationRequested => (499, "The client went away."),
            _ => ((int)HttpStatusCode.InternalServerError, "Something went wrong on our side."),
        };
        http.Response.StatusCode = status;
        await Results.Problem(statusCode: status, title: title).ExecuteAsync(http);
    }
}
