using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using VisitorGrains.Grains.Access;

namespace VisitorGrains.Api.Access;

/// <summary>
/// Machine clients: <c>Authorization: Bearer &lt;key&gt;</c>, or <c>?access_token=</c> on the hub (browsers'
/// WebSockets cannot set headers). <c>VG_ADMIN_KEY</c> is an admin key that is never stored.
/// </summary>
public sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    ApiKeyCache keys, IConfiguration configuration) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string SiteClaim = "vg:site";
    /// <summary>The hash of the key a caller used (never the key): lets the hub close a revoked key's connections.</summary>
    public const string KeyHashClaim = "vg:key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = ReadKey(Request);
        if (key is null)
        {
            return AuthenticateResult.NoResult();
        }

        if (configuration["VG_ADMIN_KEY"] is { Length: > 0 } adminKey && FixedTimeEquals(key, adminKey))
        {
            return Success("admin", Roles.Admin, [Roles.AnySite]);
        }

        var record = await keys.FindAsync(key);
        return record is null
            ? AuthenticateResult.Fail("Unknown or revoked API key.")
            : Success(record.User ?? "api-key", record.Role, record.Sites, ApiKeys.Hash(key));
    }

    private static string? ReadKey(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = header["Bearer ".Length..].Trim();
            return token.Length is > 0 and <= 200 ? token : null;
        }

        if (request.Path.StartsWithSegments("/hubs") && request.Query["access_token"].ToString() is { Length: > 0 and <= 200 } query)
        {
            return query;
        }

        return null;
    }

    private static AuthenticateResult Success(string user, string role, IEnumerable<string> sites, string? keyHash = null)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, user), new(ClaimTypes.Role, role) };
        if (keyHash is not null)
        {
            claims.Add(new Claim(KeyHashClaim, keyHash));
        }

        claims.AddRange(sites.Select(s => new Claim(SiteClaim, s)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}
