using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace VisitorGrains.Api.Tracker;

/// <summary>
/// Serves the snippet's files (<c>vg.js</c>, <c>vg.auto.js</c>): under their plain names, cached for an
/// hour and revalidated by ETag, and under a content-addressed name (<c>vg.{version}.js</c>), cached for a
/// year. Each file is read and gzipped once at start-up.
/// </summary>
public sealed class TrackerScripts
{
    private readonly Dictionary<string, Script> _scripts = new(StringComparer.Ordinal);

    public TrackerScripts()
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "tracker");
        foreach (var name in new[] { "vg", "vg.auto" })
        {
            var path = Path.Combine(directory, name + ".js");
            if (File.Exists(path))
            {
                _scripts[name] = Script.Load(path);
            }
        }
    }

    public IResult Serve(HttpContext http, string name, string? version)
    {
        if (!_scripts.TryGetValue(name, out var script))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound,
                detail: "The tracker is not built: run 'npm ci && npm run build' in tracker-js, then build the API.");
        }

        if (version is not null && version != script.Version)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"This server serves {name}.{script.Version}.js.");
        }

        var headers = http.Response.Headers;
        headers.CacheControl = version is null ? "public, max-age=3600" : "public, max-age=31536000, immutable";
        headers.ETag = $"\"{script.Version}\"";
        headers.Vary = HeaderNames.AcceptEncoding;
        headers.AccessControlAllowOrigin = "*";
        if (http.Request.Headers.IfNoneMatch.ToString().Contains(script.Version, StringComparison.Ordinal))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        if (http.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase))
        {
            headers.ContentEncoding = "gzip";
            return TypedResults.Bytes(script.Gzip, "text/javascript; charset=utf-8");
        }

        return TypedResults.Bytes(script.Plain, "text/javascript; charset=utf-8");
    }

    private sealed record Script(byte[] Plain, byte[] Gzip, string Version)
    {
        public static Script Load(string path)
        {
            var plain = File.ReadAllBytes(path);
            using var buffer = new MemoryStream();
            using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                gzip.Write(plain);
            }

            return new Script(plain, buffer.ToArray(), Convert.ToHexStringLower(SHA256.HashData(plain))[..12]);
        }
    }
}

public static class TrackerEndpoints
{
    public static IEndpointRouteBuilder MapTracker(this IEndpointRouteBuilder app)
    {
        foreach (var name in new[] { "vg", "vg.auto" })
        {
            app.MapGet($"/{name}.js", (HttpContext http, TrackerScripts scripts) => scripts.Serve(http, name, null))
                .AllowAnonymous().ExcludeFromDescription();
            app.MapGet($"/{name}.{{version:regex(^[0-9a-f]{{{{12}}}}$)}}.js",
                    (string version, HttpContext http, TrackerScripts scripts) => scripts.Serve(http, name, version))
                .AllowAnonymous().ExcludeFromDescription();
        }

        return app;
    }
}
