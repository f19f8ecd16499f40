using System.Buffers;
using System.Diagnostics;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using VisitorGrains.Domain.Collecting;
using VisitorGrains.Domain.Identifying;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Sites;
using VisitorGrains.Grains.Telemetry;
using CollectOutcome = VisitorGrains.Grains.Telemetry.VisitorGrainsMetrics.CollectOutcome;

namespace VisitorGrains.Api.Collecting;

/// <summary>
/// <c>POST /collect</c>: the public door for tracker events. Validate, check site and origin, identify
/// the company from the client address (which goes no further), hand the batch to the visitor's grain,
/// and answer 202 only once it is durable.
/// </summary>
public static class CollectEndpoints
{
    public const int MaxBodyBytes = 64 * 1024;
    public const string VisitorCookie = "vg_vid";

    public static IEndpointRouteBuilder MapCollect(this IEndpointRouteBuilder app)
    {
        // Every service the endpoint uses is a singleton: taken from the root provider, not through a scope
        // per request (a scope and its dictionary would be made for each page view only to find singletons).
        var services = app.ServiceProvider;
        Func<HttpContext, Task<IResult>> collect = http => CollectAsync(http, services.GetRequiredService<IGrainFactory>(),
            services.GetRequiredService<SiteDirectory>(), services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<CollectRateLimits>(), services.GetRequiredService<CompanyIdentifier>(),
            services.GetRequiredService<BotFilter>(), services.GetRequiredService<ILoggerFactory>());
        app.MapPost("/collect", collect).AllowAnonymous().DisableAntiforgery()
            .Accepts<CollectPayload>("text/plain", "application/json")
            .Produces(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        app.MapMethods("/collect", [HttpMethods.Options], PreflightAsync).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> CollectAsync(HttpContext http, IGrainFactory grains, SiteDirectory sites,
        TimeProvider time, CollectRateLimits limits, CompanyIdentifier identifier, BotFilter bots, ILoggerFactory loggers)
    {
        var startedAt = Stopwatch.GetTimestamp();
        // Browsers may read the answer (a 400's problems, a 429's Retry-After) unless the origin is refused.
        var origin = http.Request.Headers.Origin;
        if (!StringValues.IsNullOrEmpty(origin))
        {
            AllowOrigin(http.Response, origin.ToString());
        }

        // The per-address limit was asked at the front of the pipeline (CollectThrottle).

        // Crawlers and automated browsers are answered as if counted, and dropped before anything is read.
        if (bots.IsBot(http.Request.Headers.UserAgent.ToString()) || bots.IsBot(http.Request.Headers["Sec-CH-UA"].ToString()))
        {
            VisitorGrainsMetrics.Collected(CollectOutcome.Bot);
            return TypedResults.Accepted((string?)null);
        }

        if (!IsAcceptedContentType(http.Request.ContentType))
        {
            VisitorGrainsMetrics.Collected(CollectOutcome.UnsupportedMediaType);
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Send the events as text/plain or application/json.");
        }

        if (http.Request.ContentLength > MaxBodyBytes)
        {
            VisitorGrainsMetrics.Collected(CollectOutcome.TooLarge);
            return Problem(StatusCodes.Status413PayloadTooLarge, $"The body is over {MaxBodyBytes} bytes.");
        }

        var buffer = ArrayPool<byte>.Shared.Rent(MaxBodyBytes + 1);
        try
        {
            var length = await ReadBodyAsync(http.Request.Body, buffer, http.RequestAborted);
            if (length > MaxBodyBytes)
            {
                VisitorGrainsMetrics.Collected(CollectOutcome.TooLarge);
                return Problem(StatusCodes.Status413PayloadTooLarge, $"The body is over {MaxBodyBytes} bytes.");
            }

            var parsed = CollectParser.Parse(buffer.AsSpan(0, length), time.GetUtcNow());
            if (parsed.Batch is not { } batch)
            {
                VisitorGrainsMetrics.Collected(CollectOutcome.Invalid);
                return TypedResults.ValidationProblem(parsed.Errors, title: "The batch was rejected; nothing of it was kept.");
            }

            var site = await sites.GetAsync(batch.Site);
            if (site is null)
            {
                VisitorGrainsMetrics.Collected(CollectOutcome.UnknownSite);
                return Problem(StatusCodes.Status403Forbidden, $"There is no site '{batch.Site}'.");
            }

            if (limits.TryAcquireSite(batch.Site) is { } siteWait)
            {
                VisitorGrainsMetrics.Collected(CollectOutcome.RateLimitedSite);
                return TooMany(http, siteWait, $"The site '{batch.Site}' is sending more than it may.");
            }

            if (!StringValues.IsNullOrEmpty(origin) && !site.Origins.Allows(origin.ToString()))
            {
                http.Response.Headers.Remove(HeaderNames.AccessControlAllowOrigin);
                http.Response.Headers.Remove(HeaderNames.AccessControlAllowCredentials);
                VisitorGrainsMetrics.Collected(CollectOutcome.OriginRefused);
                return Problem(StatusCodes.Status403Forbidden, $"The site '{batch.Site}' does not allow the origin {origin}.");
            }

            // The address is used here and dropped: only the truncated network travels on.
            var identification = await identifier.IdentifyAsync(http.Connection.RemoteIpAddress, EmailOf(batch), site.Accounts, http.RequestAborted);
            try
            {
                await grains.Visitor(batch.Site, batch.Visitor).RecordAsync(batch, identification);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Whatever failed, the events are not known to be durable: the client must send them again.
                loggers.CreateLogger(typeof(CollectEndpoints)).LogError(ex, "Could not record a batch for {Site}", batch.Site);
                http.Response.Headers.RetryAfter = "1";
                VisitorGrainsMetrics.Collected(CollectOutcome.Unavailable);
                return Problem(StatusCodes.Status503ServiceUnavailable, "The events could not be stored; send them again.");
            }

            // Re-issue the tracker's own cookie from the server: where /collect is served from the site's own
            // domain, browsers that cap cookies written by scripts keep this one. Only a cookie the tracker
            // set (with the visitor's consent) is renewed; none is created here.
            if (http.Request.Cookies[VisitorCookie] == batch.Visitor)
            {
                http.Response.Cookies.Append(VisitorCookie, batch.Visitor, new CookieOptions
                {
                    MaxAge = TimeSpan.FromDays(400),
                    Path = "/",
                    SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Lax,
                    Secure = http.Request.IsHttps,
                    IsEssential = true,
                });
            }

            VisitorGrainsMetrics.Collected(CollectOutcome.Accepted, startedAt, batch.Events.Count);
            return TypedResults.Accepted((string?)null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string? EmailOf(CollectBatch batch)
    {
        foreach (var e in batch.Events)
        {
            if (e.Email is { } email)
            {
                return email;
            }
        }

        return null;
    }

    /// <summary>Browsers send text/plain without a preflight; this answers the ones that ask anyway.</summary>
    private static async Task<IResult> PreflightAsync(HttpContext http, SiteDirectory sites)
    {
        var origin = http.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && http.Request.Query["site"].ToString() is { Length: > 0 } siteId
            && Identifiers.IsSiteId(siteId) && await sites.GetAsync(siteId) is { } site && site.Origins.Allows(origin))
        {
            AllowOrigin(http.Response, origin);
        }
        else if (origin.Length > 0)
        {
            // Without the site we cannot tell; the POST itself is checked either way.
            AllowOrigin(http.Response, origin);
        }

        http.Response.Headers.AccessControlAllowMethods = "POST";
        http.Response.Headers.AccessControlAllowHeaders = "Content-Type";
        http.Response.Headers.AccessControlMaxAge = "86400";
        return TypedResults.NoContent();
    }

    internal static void AllowOrigin(HttpResponse response, string origin)
    {
        response.Headers.AccessControlAllowOrigin = origin;
        response.Headers.AccessControlAllowCredentials = "true";
        response.Headers.Vary = HeaderNames.Origin;
    }

    private static bool IsAcceptedContentType(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return true;
        }

        // What browsers send for the tracker's string body (fetch and sendBeacon), what HTTP client libraries
        // send for a string, and plain JSON, accepted without parsing: the parser builds a list of the
        // header's parameters on every call.
        if (contentType.Equals("text/plain;charset=UTF-8", StringComparison.OrdinalIgnoreCase)
            || contentType.Equals("text/plain; charset=utf-8", StringComparison.OrdinalIgnoreCase)
            || contentType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || contentType.Equals("text/plain", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (!MediaTypeHeaderValue.TryParse(contentType, out var media))
        {
            return false;
        }

        var type = media.MediaType;
        return type.Equals("text/plain", StringComparison.OrdinalIgnoreCase)
               || type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
               || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Reads at most one byte past the limit: enough to know the body is too large.</summary>
    private static async Task<int> ReadBodyAsync(Stream body, byte[] buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await body.ReadAsync(buffer.AsMemory(total, Math.Min(buffer.Length, MaxBodyBytes + 1) - total), cancellationToken);
            if (read == 0)
            {
                break;
            }

            total += read;
            if (total > MaxBodyBytes)
            {
                break;
            }
        }

        return total;
    }

    private static IResult Problem(int status, string detail) => TypedResults.Problem(statusCode: status, detail: detail);

    private static IResult TooMany(HttpContext http, int seconds, string detail)
    {
        CollectRateLimits.SetRetryAfter(http.Response, seconds);
        return Problem(StatusCodes.Status429TooManyRequests, detail);
    }
}
