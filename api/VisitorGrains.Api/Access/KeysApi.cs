using VisitorGrains.Domain.Collecting;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Access;

namespace VisitorGrains.Api.Access;

public sealed record CreateKeyRequest(string? Role, List<string>? Sites, string? User);

public sealed record CreatedKey(string Key, string? User, string Role, IReadOnlyList<string> Sites);

/// <summary>API keys for machines: created by admins, shown once.</summary>
public static class KeysApi
{
    public static RouteGroupBuilder MapKeysApi(this RouteGroupBuilder api)
    {
        api.MapPost("/keys", CreateAsync);
        api.MapDelete("/keys/{key}", RevokeAsync);
        return api;
    }

    private static async Task<IResult> CreateAsync(CreateKeyRequest request, HttpContext http, IGrainFactory grains, TimeProvider time)
    {
        if (!http.User.IsAdmin())
        {
            return SiteAccess.Forbidden("Only admins create API keys.");
        }

        var errors = new Dictionary<string, string[]>();
        if (request.Role is null || !Roles.All.Contains(request.Role))
        {
            errors["role"] = ["One of admin, marketer, sales."];
        }

        var sites = request.Sites ?? [];
        if (sites.Count == 0 || sites.Any(s => s != Roles.AnySite && !Identifiers.IsSiteId(s)))
        {
            errors["sites"] = ["At least one site id (or \"*\" for all sites)."];
        }

        if (request.User is { Length: > 100 })
        {
            errors["user"] = ["At most 100 characters."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var key = ApiKeys.New();
        var record = new ApiKeyRecord { Role = request.Role!, Sites = sites, User = request.User, CreatedAt = time.GetUtcNow() };
        await grains.GetGrain<IApiKeyGrain>(ApiKeys.Hash(key)).CreateAsync(record);
        return TypedResults.Created((string?)null, new CreatedKey(key, record.User, record.Role, record.Sites));
    }

    private static async Task<IResult> RevokeAsync(string key, HttpContext http, IGrainFactory grains, ApiKeyCache cache, Live.HubCredentials hubs)
    {
        if (!http.User.IsAdmin())
        {
            return SiteAccess.Forbidden("Only admins revoke API keys.");
        }

        var hash = ApiKeys.Hash(key);
        await grains.GetGrain<IApiKeyGrain>(hash).RevokeAsync();
        cache.Forget(hash);
        hubs.Revoked(hash);
        return TypedResults.NoContent();
    }
}
