using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using VisitorGrains.Api.Access;
using VisitorGrains.Domain.Collecting;
using VisitorGrains.Domain.Feed;
using VisitorGrains.Domain.Lifecycle;
using VisitorGrains.Grains.Access;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Storage;

namespace VisitorGrains.Api.Prospects;


public sealed record StageMoveRequest(string? Action, string? Reason);

public sealed record HandlingRequest(string? Action, string? Reason, int? Minutes);

/// <summary>The salespeople's surface: companies, visitors and the alert feed of a site.</summary>
public static class ProspectsApi
{
    public const int MaxCompanies = 1000;
    public const int MaxJourneysPerCompany = 50;

    public static RouteGroupBuilder MapProspectsApi(this RouteGroupBuilder api)
    {
        var site = api.MapGroup("/sites/{site}");
        site.MapGet("/companies", ListCompaniesAsync);
        site.MapGet("/companies/{id}", GetCompanyAsync);
        site.MapGet("/visitors/{visitor}", GetVisitorAsync);
        site.MapPost("/visitors/{visitor}/stage", MoveAsync);
        site.MapGet("/alerts", GetAlertsAsync);
        site.MapGet("/alerts/handling", GetHandlingAsync);
        site.MapPost("/alerts/{seq:long}/handling", HandleAsync);
        return api;
    }

    private static async Task<IResult> ListCompaniesAsync(string site, string? temperature, HttpContext http,
        IGrainFactory grains, IJournalStore store)
    {
        if (SiteAccess.Gate(site, http.User) is { } fail)
        {
            return fail;
        }

        if (temperature is not (null or "hot" or "warm" or "cold"))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["temperature"] = ["One of hot, warm, cold."] });
        }

        var prefix = StreamNames.Company(GrainKeys.Company(site, ""));
        var streams = await store.StreamsAsync(prefix, MaxCompanies, http.RequestAborted);
        var companies = await Task.WhenAll(streams.Select(s =>
            grains.GetGrain<ICompanyGrain>(s[StreamNames.CompanyPrefix.Length..]).GetAsync()));
        return TypedResults.Ok(companies.OfType<CompanyView>()
            .Where(c => temperature is null || c.Temperature == temperature)
            .OrderByDescending(c => c.Score).ThenBy(c => c.Name, StringComparer.Ordinal)
            .ToList());
    }

    private static async Task<IResult> GetCompanyAsync(string site, string id, HttpContext http, IGrainFactory grains,
        IOptions<JsonOptions> json)
    {
        if (SiteAccess.Gate(site, http.User) is { } fail)
        {
            return fail;
        }

        var company = id.Length is > 0 and <= 253 ? await grains.GetGrain<ICompanyGrain>(GrainKeys.Company(site, id)).GetAsync() : null;
        if (company is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"No company '{id}' has visited '{site}'.");
        }

        var journeys = await Task.WhenAll(company.Visitors.Take(MaxJourneysPerCompany)
            .Select(v => grains.Visitor(site, v.Visitor).GetAsync()));
        // The company as the list shows it, with each visitor in full: stage, score and journey.
        var detail = JsonSerializer.SerializeToNode(company, json.Value.SerializerOptions)!.AsObject();
        detail["visitors"] = JsonSerializer.SerializeToNode(journeys.OfType<VisitorView>().ToList(), json.Value.SerializerOptions);
        return TypedResults.Json(detail, json.Value.SerializerOptions);
    }

    private static async Task<IResult> GetVisitorAsync(string site, string visitor, HttpContext http, IGrainFactory grains)
    {
        if (SiteAccess.Gate(site, http.User) is { } fail)
        {
            return fail;
        }

        if (!Identifiers.IsVisitorId(visitor))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["visitor"] = [SiteAccess.VisitorIdRule] });
        }

        var view = await grains.Visitor(site, visitor).GetAsync();
        return view is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"No visitor '{visitor}' on '{site}'.")
            : TypedResults.Ok(view);
    }

    /// <summary>Sales accepts a lead (SQL), rejects it back to nurture (with a reason), or moves it on.</summary>
    private static async Task<IResult> MoveAsync(string site, string visitor, StageMoveRequest request, HttpContext http, IGrainFactory grains)
    {
        if (SiteAccess.Gate(site, http.User) is { } fail)
        {
            return fail;
        }

        if (!http.User.CanAccess(site, Roles.Sales))
        {
            return SiteAccess.Forbidden("Only sales moves leads between stages.");
        }

        var errors = new Dictionary<string, string[]>();
        if (!Identifiers.IsVisitorId(visitor))
        {
            errors["visitor"] = [SiteAccess.VisitorIdRule];
        }

        SalesMove? move = request.Action switch
        {
            "accept" => SalesMove.Accept,
            "reject" => SalesMove.Reject,
            "opportunity" => SalesMove.Opportunity,
            "customer" => SalesMove.Customer,
            _ => null,
        };
        if (move is null)
        {
            errors["action"] = ["One of accept, reject, opportunity, customer."];
        }

        var reason = request.Reason?.Trim() ?? "";
        if (move == SalesMove.Reject && reason.Length == 0)
        {
            errors["reason"] = ["Say why the lead goes back to nurture."];
        }
        else if (reason.Length > 500 || reason.Any(char.IsControl))
        {
            errors["reason"] = ["At most 500 printable characters."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var result = await grains.Visitor(site, visitor)
            .MoveAsync(move!.Value, reason, http.User.Identity?.Name ?? "sales");
        return result switch
        {
            { Visitor: null } => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"No visitor '{visitor}' on '{site}'."),
            { Problem: { } problem } => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, detail: problem),
            _ => TypedResults.Ok(result.Visitor),
        };
    }

    private static async Task<IResult> GetAlertsAsync(string site, long? after, int? limit, HttpContext http, IGrainFactory grains)
    {
        if (SiteAccess.Gate(site, http.User) is { } fail)
        {
            return fail;
        }

        var alerts = await grains.GetGrain<IFeedGrain>(site).AfterAsync(Math.Max(0, after ?? 0), Math.Clamp(limit ?? 100, 1, FeedState.Retained));
        return TypedResults.Ok(alerts);
    }

    private static async Task<IResult> GetHandlingAsync(string site, long? after, HttpContext http, IGrainFactory grains)
    {
        if (SiteAccess.Gate(site, http.User) is { } fail)
        {
            return fail;
        }

        return TypedResults.Ok(await grains.GetGrain<IAlertHandlingGrain>(site).AfterAsync(Math.Max(0, after ?? 0)));
    }

    /// <summary>
    /// Sales claims, releases or snoozes an alert, accepts it (its visitor becomes an SQL) or rejects it
    /// with a reason (back to nurture), and says whether it was a good lead or junk. The team sees it at once.
    /// </summary>
    private static async Task<IResult> HandleAsync(string site, long seq, HandlingRequest request, HttpContext http, IGrainFactory grains)
    {
        if (SiteAccess.Gate(site, http.User) is { } fail)
        {
            return fail;
        }

        if (!http.User.CanAccess(site, Roles.Sales))
        {
            return SiteAccess.Forbidden("Only sales handles alerts.");
        }

        var errors = new Dictionary<string, string[]>();
        if (request.Action is null || !HandlingActions.All.Contains(request.Action))
        {
            errors["action"] = ["One of claim, release, snooze, accept, reject, good, junk."];
        }

        var reason = request.Reason?.Trim() ?? "";
        if (request.Action == HandlingActions.Reject && reason.Length == 0)
        {
            errors["reason"] = ["Say why the lead is rejected."];
        }
        else if (reason.Length > 500 || reason.Any(char.IsControl))
        {
            errors["reason"] = ["At most 500 printable characters."];
        }

        if (request.Minutes is < 1 or > HandlingState.MaxSnoozeMinutes)
        {
            errors["minutes"] = [$"1–{HandlingState.MaxSnoozeMinutes} minutes."];
        }

        if (seq < 1)
        {
            errors["seq"] = ["An alert's sequence number, from 1."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var by = http.User.Identity?.Name ?? "sales";
        var result = await grains.GetGrain<IAlertHandlingGrain>(site).ActAsync(seq, request.Action!, by, reason.Length > 0 ? reason : null, request.Minutes);
        if (result.NotFound)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: result.Problem);
        }

        if (result.Problem is { } problem)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, detail: problem);
        }

        if (request.Action is HandlingActions.Accept or HandlingActions.Reject)
        {
            await MoveAlertVisitorAsync(site, seq, request.Action == HandlingActions.Accept ? SalesMove.Accept : SalesMove.Reject, reason, by, grains);
        }

        return TypedResults.Ok(result.Handling);
    }

    /// <summary>Accepting an alert makes its visitor an SQL, rejecting sends it back to nurture, where that move is possible.</summary>
    private static async Task MoveAlertVisitorAsync(string site, long seq, SalesMove move, string reason, string by, IGrainFactory grains)
    {
        var found = await grains.GetGrain<IFeedGrain>(site).AfterAsync(seq - 1, 1);
        var alert = found.Count > 0 ? found[0] : null;
        if (alert?.Visitor is { } visitor && alert.Seq == seq)
        {
            await grains.Visitor(site, visitor).MoveAsync(move, reason, by);
        }
    }
}
