using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Primitives;
using VisitorGrains.Grains.Telemetry;

namespace VisitorGrains.Api.Collecting;

/// <summary>
/// The per-address limit of <c>POST /collect</c>, asked at the front of the pipeline: an address over its
/// limit is answered 429 before routing, before the body is read and before anything is bound, from bytes
/// prepared once, after a short wait (<see cref="RateLimitOptions.RefusalDelayMs"/>). A flood from one
/// address then costs the server little more than parsing its requests, its connections can send only a
/// few a second each, and the sites sending real page views keep their share of the machine.
/// </summary>
/// <remarks>
/// The answer is the one the endpoint gives for any other refusal: problem details (the same title, status,
/// detail and trace id as <c>TypedResults.Problem</c> writes), <c>Retry-After</c>, and the CORS
/// headers a browser needs to read it. Only the forwarded-headers middleware must run first, so that the
/// address is the client's and not a trusted proxy's.
/// </remarks>
public static class CollectThrottle
{
    public const string Detail = "Too many requests from this address.";

    private static readonly byte[] BodyStart = Encoding.UTF8.GetBytes(
        $$"""{"title":"Too Many Requests","status":429,"detail":"{{Detail}}","traceId":""" + "\"");

    private static readonly byte[] BodyEnd = "\"}"u8.ToArray();

    /// <summary>Retry-After values, made once for the waits a token bucket of one-second periods gives.</summary>
    private static readonly StringValues[] Waits = Enumerable.Range(0, 61).Select(s => new StringValues(s.ToString(CultureInfo.InvariantCulture))).ToArray();

    public static IApplicationBuilder UseCollectThrottle(this IApplicationBuilder app)
    {
        var limits = app.ApplicationServices.GetRequiredService<CollectRateLimits>();
        return app.Use((http, next) =>
        {
            if (!IsCollect(http.Request) || limits.TryAcquireIp(http.Connection.RemoteIpAddress?.ToString() ?? "") is not { } wait)
            {
                return next(http);
            }

            VisitorGrainsMetrics.Collected(VisitorGrainsMetrics.CollectOutcome.RateLimitedAddress);
            return RefuseAsync(http, wait, limits.RefusalDelay);
        });
    }

    /// <summary>The requests the <c>POST /collect</c> endpoint would be routed (routing ignores case and a trailing slash).</summary>
    internal static bool IsCollect(HttpRequest request) =>
        HttpMethods.IsPost(request.Method)
        && request.Path.StartsWithSegments("/collect", StringComparison.OrdinalIgnoreCase, out var rest)
        && (!rest.HasValue || rest.Value == "/");

    private static async Task RefuseAsync(HttpContext http, int seconds, TimeSpan delay)
    {
        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return; // the client went away: nobody to answer
            }
        }

        var response = http.Response;
        var origin = http.Request.Headers.Origin;
        if (!StringValues.IsNullOrEmpty(origin))
        {
            CollectEndpoints.AllowOrigin(response, origin.ToString());
        }

        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.Headers.RetryAfter = seconds < Waits.Length ? Waits[seconds] : seconds.ToString(CultureInfo.InvariantCulture);
        response.ContentType = "application/problem+json";

        // The trace id as problem details give it: the request's activity, else the connection's request id.
        var traceId = Activity.Current?.Id ?? http.TraceIdentifier;
        var length = BodyStart.Length + Encoding.UTF8.GetByteCount(traceId) + BodyEnd.Length;
        response.ContentLength = length;
        var writer = response.BodyWriter;
        var span = writer.GetSpan(length);
        BodyStart.CopyTo(span);
        var at = BodyStart.Length + Encoding.UTF8.GetBytes(traceId, span[BodyStart.Length..]);
        BodyEnd.CopyTo(span[at..]);
        writer.Advance(length);
        await writer.FlushAsync(http.RequestAborted);
    }
}
