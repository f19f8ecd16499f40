using VisitorGrains.Grains.Postgres;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using VisitorGrains.Grains.Access;
using VisitorGrains.Grains.Hosting;

namespace VisitorGrains.Api.Access;

public sealed record SignInRequest(string? User, string? Password);

public sealed record Me(string User, string Role, IReadOnlyList<string> Sites);

/// <summary>
/// People sign in with a user name and password and get a cookie session; machines send API keys.
/// Either identity carries the same role and site claims, so every endpoint and the hub accept both.
/// </summary>
public static class SignIn
{
    /// <summary>The default scheme: an API key when the request carries one, else the session cookie.</summary>
    public const string PolicyScheme = "VisitorGrains";
    public const string CookieScheme = "Session";
    public const string CookieName = "vg_session";

    /// <summary>
    /// A cookie-authenticated request that changes something must carry this header. A cross-site form
    /// cannot set it, and a cross-site script cannot without a CORS preflight we never allow.
    /// </summary>
    public const string CsrfHeader = "X-VG-Request";

    private static readonly PasswordHasher<string> Hasher = new();
    private static readonly Lazy<string> UnknownUserHash = new(() => Hasher.HashPassword("", Guid.NewGuid().ToString()));

    public static IServiceCollection AddSignIn(this IServiceCollection services, IConfiguration configuration)
    {
        var protection = services.AddDataProtection().SetApplicationName("VisitorGrains");
        if (ClusterSettings.From(configuration).IsCluster)
        {
            // Every API node reads and writes the same key ring: a session works on all of them.
            services.AddSingleton<SharedKeyRing>();
            services.AddOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>()
                .Configure<SharedKeyRing>((options, ring) => options.XmlRepository = ring);
        }
        else
        {
            protection.PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(DataPaths.DataDirectory(configuration), "keys")));
        }

        services.Configure<LoginThrottleOptions>(configuration.GetSection("Login"));
        services.AddSingleton<LoginThrottle>();

        services.AddAuthentication(PolicyScheme)
            .AddPolicyScheme(PolicyScheme, "API key or session", options => options.ForwardDefaultSelector = http =>
                http.Request.Headers.Authorization.Count > 0
                || (http.Request.Path.StartsWithSegments("/hubs") && http.Request.Query.ContainsKey("access_token"))
                    ? ApiKeyAuthentication.SchemeName
                    : CookieScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null)
            .AddCookie(CookieScheme, options =>
            {
                options.Cookie.Name = CookieName;
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = TimeSpan.FromHours(configuration.GetValue("Login:SessionHours", 12));
                options.SlidingExpiration = true;
                // The API answers 401/403; only the UI's pages redirect to /login (they do it themselves).
                options.Events.OnRedirectToLogin = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return Task.CompletedTask;
                };
                options.Events.OnRedirectToAccessDenied = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return Task.CompletedTask;
                };
            });
        return services;
    }

    public static IEndpointRouteBuilder MapSignIn(this IEndpointRouteBuilder app)
    {
        app.MapPost("/login", SignInAsync).AllowAnonymous().DisableAntiforgery();
        app.MapPost("/logout", (Delegate)SignOutAsync).AllowAnonymous();
        app.MapGet("/api/me", (HttpContext http) => TypedResults.Ok(new Me(
            http.User.Identity?.Name ?? "",
            http.User.FindFirstValue(ClaimTypes.Role) ?? "",
            http.User.FindAll(ApiKeyAuthentication.SiteClaim).Select(c => c.Value).ToList()))).RequireAuthorization();
        return app;
    }

    /// <summary>
    /// Rejects a cookie-authenticated request that changes something without <see cref="CsrfHeader"/>, and a
    /// cookie-authenticated hub connection opened from another origin (a WebSocket handshake is a GET that
    /// any page may start; browsers always send its Origin).
    /// </summary>
    public static IApplicationBuilder UseCsrfCheck(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.User.Identity is { IsAuthenticated: true, AuthenticationType: CookieScheme } && CsrfProblem(http.Request) is { } problem)
        {
            http.Response.StatusCode = StatusCodes.Status403Forbidden;
            await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: problem).ExecuteAsync(http);
            return;
        }

        await next(http);
    });

    private static string? CsrfProblem(HttpRequest request)
    {
        var method = request.Method;
        var safe = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);
        if (!safe && !request.Headers.ContainsKey(CsrfHeader) && !request.Path.Equals("/login", StringComparison.OrdinalIgnoreCase))
        {
            return $"Requests signed in with the session cookie must send the {CsrfHeader} header.";
        }

        if (request.Path.StartsWithSegments("/hubs") && request.Headers.Origin.ToString() is { Length: > 0 } origin
            && !(Uri.TryCreate(origin, UriKind.Absolute, out var from) && string.Equals(from.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)))
        {
            return "The hub takes the session cookie only from this site's own pages.";
        }

        return null;
    }

    /// <summary>
    /// <c>POST /login</c>: JSON <c>{"user","password"}</c> (answers 204 or 401 problem details), or the
    /// page's form (redirects to <c>returnUrl</c> or /, or back to /login with an error).
    /// </summary>
    private static async Task<IResult> SignInAsync(HttpContext http, IGrainFactory grains, LoginThrottle throttle)
    {
        var (request, returnUrl, isForm) = await ReadAsync(http.Request);
        if (request is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["JSON {\"user\",\"password\"} or a form with user and password."] });
        }

        var name = request.User?.Trim() ?? "";
        var address = http.Connection.RemoteIpAddress?.ToString();
        if (throttle.RetryAfter(name, address) is { } wait)
        {
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many failed sign-ins.",
                detail: "Too many failed sign-ins. Try again later.");
        }

        var user = name.Length is > 0 and <= 64 && request.Password is { Length: > 0 and <= 200 }
            ? await grains.GetGrain<IUserGrain>(name.ToLowerInvariant()).GetAsync()
            : null;
        // Verify against a hash even for an unknown user, so the answer takes as long either way.
        var verified = Hasher.VerifyHashedPassword(name.ToLowerInvariant(), user?.PasswordHash ?? UnknownUserHash.Value, request.Password ?? "");
        if (user is null || verified == PasswordVerificationResult.Failed)
        {
            throttle.Failed(name, address);
            return isForm
                ? TypedResults.Redirect("/login?error=1" + (returnUrl is null ? "" : "&returnUrl=" + Uri.EscapeDataString(returnUrl)))
                : TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in failed.", detail: "Wrong user name or password.");
        }

        throttle.Succeeded(name);
        var claims = new List<Claim> { new(ClaimTypes.Name, user.User), new(ClaimTypes.Role, user.Role) };
        claims.AddRange(user.Sites.Select(s => new Claim(ApiKeyAuthentication.SiteClaim, s)));
        await http.SignInAsync(CookieScheme, new ClaimsPrincipal(new ClaimsIdentity(claims, CookieScheme)));
        return isForm
            ? TypedResults.Redirect(returnUrl ?? "/")
            : TypedResults.Ok(new Me(user.User, user.Role, user.Sites));
    }

    private static async Task<IResult> SignOutAsync(HttpContext http)
    {
        await http.SignOutAsync(CookieScheme);
        return http.Request.HasFormContentType ? TypedResults.Redirect("/login") : TypedResults.NoContent();
    }

    private static async Task<(SignInRequest? Request, string? ReturnUrl, bool IsForm)> ReadAsync(HttpRequest request)
    {
        try
        {
            if (request.HasFormContentType)
            {
                var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
                return (new SignInRequest(form["user"], form["password"]), LocalUrl(form["returnUrl"]), true);
            }

            if (request.HasJsonContentType())
            {
                return (await request.ReadFromJsonAsync<SignInRequest>(request.HttpContext.RequestAborted), null, false);
            }
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidDataException or BadHttpRequestException)
        {
            return (null, null, false);
        }

        return (null, null, false);
    }

    /// <summary>A path of this server to go back to after signing in; anything else (another host) is ignored.</summary>
    public static string? LocalUrl(string? url) =>
        url is { Length: > 0 and <= 2000 } && url[0] == '/' && !url.StartsWith("//", StringComparison.Ordinal)
        && !url.StartsWith("/\\", StringComparison.Ordinal) && !url.Any(char.IsControl)
            ? url
            : null;
}
