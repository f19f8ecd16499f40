using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace VisitorGrains.Api.Tracker;

/// <summary>
/// Serves the snippet: <c>/vg.js</c> (cached for an hour, revalidated by ETag) and
/// <c>/vg.{version}.js</c> (the same bytes under a content-addressed name, cached for a year). The file
/// is read and gzipped once at start-up.
/// </summary>
public sealed class TrackerScript
{
    private readonly byte[]? _plain;
    private readonly byte[]? _gzip;

    public TrackerScript()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "tracker", "vg.js");
        if (!File.Exists(path))
        {
            return;
        }

        _plain = File.ReadAllBytes(path);
        Version = Convert.ToHexStringLower(SHA256.HashData(_plain))[..12];
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(_plain);
        }

        _gzip = buffer.ToArray();
    }

    /// <summary>A short hash of the script: changes whenever the script does.</summary>
    public string? Version { get; }

    public IResult Serve(HttpContext http, string? version)
    {
        if (_plain is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound,
                detail: "The tracker is not built: run 'npm ci && npm run build' in tracker-js, then build the API.");
        }

        if (version is not null && version != Version)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"This server serves vg.{Version}.js.");
        }

        var headers = http.Response.Headers;
        headers.CacheControl = version is null ? "public, max-age=3600" : "public, max-age=31536000, immutable";
        headers.ETag = $"\"{Version}\"";
        headers.Vary = HeaderNames.AcceptEncoding;
        headers.AccessControlAllowOrigin = "*";
        if (http.Request.Headers.IfNoneMatch.ToString().Contains(Version!, StringComparison.Ordinal))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        if (http.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase))
        {
            headers.ContentEncoding = "gzip";
            return TypedResults.Bytes(_gzip!, "text/javascript; charset=utf-8");
        }

        return TypedResults.Bytes(_plain, "text/javascript; charset=utf-8");
    }
}

public static class TrackerEndpoints
{
    public static IEndpointRouteBuilder MapTracker(this IEndpointRouteBuilder app)
    {
        app.MapGet("/vg.js", (HttpContext http, TrackerScript script) => script.Serve(http, null)).AllowAnonymous();
        app.MapGet("/vg.{version:regex(^[0-9a-f]{{12}}$)}.js", (string version, HttpContext http, TrackerScript script) => script.Serve(http, version))
            .AllowAnonymous();
        return app;
    }
}
