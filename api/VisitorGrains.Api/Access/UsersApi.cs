using Microsoft.AspNetCore.Identity;
using VisitorGrains.Domain.Collecting;
using VisitorGrains.Grains.Access;

namespace VisitorGrains.Api.Access;

public sealed record CreateUserRequest(string? User, string? Password, string? Role, List<string>? Sites);

public sealed record CreatedUser(string User, string Role, IReadOnlyList<string> Sites);

/// <summary>People who sign in to the web UI, created by admins; passwords hashed with ASP.NET Core's hasher.</summary>
public static class UsersApi
{
    public const int MinPasswordLength = 10;

    private static readonly PasswordHasher<string> Hasher = new();

    public static RouteGroupBuilder MapUsersApi(this RouteGroupBuilder api)
    {
        api.MapPost("/users", CreateAsync);
        return api;
    }

    private static async Task<IResult> CreateAsync(CreateUserRequest request, HttpContext http, IGrainFactory grains, TimeProvider time)
    {
        if (!http.User.IsAdmin())
        {
            return SiteAccess.Forbidden("Only admins create users.");
        }

        var errors = new Dictionary<string, string[]>();
        var name = request.User?.Trim() ?? "";
        if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@'))
        {
            errors["user"] = ["1–64 characters of letters, digits, '.', '_', '-' and '@'."];
        }

        if (request.Password is not { Length: >= MinPasswordLength and <= 200 })
        {
            errors["password"] = [$"{MinPasswordLength}–200 characters."];
        }

        if (request.Role is null || !Roles.All.Contains(request.Role))
        {
            errors["role"] = ["One of admin, marketer, sales."];
        }

        var sites = request.Sites ?? [];
        if (sites.Count == 0 || sites.Any(s => s != Roles.AnySite && !Identifiers.IsSiteId(s)))
        {
            errors["sites"] = ["At least one site id (or \"*\" for all sites)."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var key = name.ToLowerInvariant();
        var created = await grains.GetGrain<IUserGrain>(key).CreateAsync(new UserRecord
        {
            User = name,
            PasswordHash = Hasher.HashPassword(key, request.Password!),
            Role = request.Role!,
            Sites = sites,
            CreatedAt = time.GetUtcNow(),
        });
        return created
            ? TypedResults.Created($"/api/users/{key}", new CreatedUser(name, request.Role!, sites))
            : TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, detail: $"There is a user '{name}' already.");
    }
}
