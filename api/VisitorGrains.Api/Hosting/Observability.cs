using Microsoft.AspNetCore.Routing;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using VisitorGrains.Api.Access;
using VisitorGrains.Grains.Telemetry;

namespace VisitorGrains.Api.Hosting;

/// <summary>
/// Metrics out of the process with the OpenTelemetry SDK: our meter (<see cref="VisitorGrainsMetrics"/>),
/// Orleans' own and the .NET runtime's, scraped from <c>GET /metrics</c> (Prometheus text format) and, when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (environment or any configuration source), pushed over OTLP too.
/// </summary>
public static class Observability
{
    public const string MetricsPath = "/metrics";

    /// <summary>Orleans' meter: messaging, activations, grain calls, membership.</summary>
    public const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>The runtime's built-in meter: GC, heap, thread pool, CPU.</summary>
    public const string RuntimeMeter = "System.Runtime";

    public static IServiceCollection AddObservability(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource
                .AddService("visitorgrains", serviceVersion: typeof(Observability).Assembly.GetName().Version?.ToString())
                // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, where set, win over the defaults above.
                .AddEnvironmentVariableDetector())
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(VisitorGrainsMetrics.MeterName, OrleansMeter, RuntimeMeter)
                    // Every scrape sees now: scrapes are admins' (or one private scraper's), not a crowd to cache for.
                    .AddPrometheusExporter(options => options.ScrapeResponseCacheDurationMilliseconds = 0);
                if (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
                {
                    // Endpoint, protocol, headers and interval come from the standard OTEL_* settings.
                    metrics.AddOtlpExporter();
                }
            });
        return services;
    }

    /// <summary>
    /// <c>GET /metrics</c>: admins only (an admin API key, or an admin's session), unless <c>Metrics:Public</c> is
    /// true, for a scraper on a private network that cannot send a key.
    /// </summary>
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app, IConfiguration configuration)
    {
        var endpoint = app.MapPrometheusScrapingEndpoint(MetricsPath)
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get]))
            .WithDisplayName("Prometheus scrape");
        if (configuration.GetValue("Metrics:Public", false))
        {
            endpoint.AllowAnonymous();
        }
        else
        {
            endpoint.RequireAuthorization(SiteAccess.AdminPolicy);
        }

        return app;
    }
}
