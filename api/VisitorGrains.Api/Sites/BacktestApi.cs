using System.Text.Json;
using VisitorGrains.Api.Access;
using VisitorGrains.Domain.Collecting;
using VisitorGrains.Domain.Scoring;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Backtesting;

namespace VisitorGrains.Api.Sites;

public sealed record BacktestRequest(JsonElement? Rules, DateTimeOffset? From, DateTimeOffset? To);

/// <summary>
/// Marketers try a draft rules document on the recorded history before they put it live:
/// <c>POST /api/sites/{site}/backtest</c> starts a run (202 with its address), <c>GET …/{id}</c> shows its
/// progress and, when done, the alerts and scores side by side with the current rules.
/// </summary>
public static class BacktestApi
{
    public static readonly TimeSpan DefaultRange = TimeSpan.FromDays(30);

    public static RouteGroupBuilder MapBacktestApi(this RouteGroupBuilder api)
    {
        api.MapPost("/sites/{site}/backtest", StartAsync);
        api.MapGet("/sites/{site}/backtest/{id}", GetAsync);
        return api;
    }

    private static async Task<IResult> StartAsync(string site, BacktestRequest request, HttpContext http, IGrainFactory grains, TimeProvider time)
    {
        if (SiteAccess.Gate(site, http.User, configure: true, "Backtests are for the site's marketers.") is { } fail)
        {
            return fail;
        }

        if (await grains.GetGrain<ISiteGrain>(site).GetAsync() is not { } definition)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"There is no site '{site}'.");
        }

        var errors = new Dictionary<string, string[]>();
        string json;
        try
        {
            json = request.Rules is { ValueKind: JsonValueKind.Object } rules ? rules.GetRawText() : definition.CurrentRules.Json;
        }
        catch (InvalidOperationException)
        {
            // The serializer keeps the draft's bytes as sent; invalid UTF-8 in them only shows when read as text.
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["rules"] = ["Must be valid UTF-8."] });
        }

        if (request.Rules is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null or JsonValueKind.Undefined) })
        {
            errors["rules"] = ["A rules document (an object), or nothing to replay the current rules."];
        }
        else
        {
            foreach (var (path, messages) in CompiledRules.Compile(0, json).Errors)
            {
                errors[$"rules.{path}"] = messages;
            }
        }

        var to = request.To ?? time.GetUtcNow();
        var from = request.From ?? to - DefaultRange;
        if (from >= to)
        {
            errors["from"] = ["Must be before 'to'."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The backtest was not started.");
        }

        var id = "bt_" + Guid.CreateVersion7().ToString("N");
        var status = await grains.GetGrain<IBacktestGrain>(id).StartAsync(site, json, from, to);
        return TypedResults.Accepted($"/api/sites/{site}/backtest/{id}", status);
    }

    private static async Task<IResult> GetAsync(string site, string id, HttpContext http, IGrainFactory grains)
    {
        if (SiteAccess.Gate(site, http.User, configure: true, "Backtests are for the site's marketers.") is { } fail)
        {
            return fail;
        }

        var status = id.StartsWith("bt_", StringComparison.Ordinal) && id.Length <= 64
            ? await grains.GetGrain<IBacktestGrain>(id).GetAsync()
            : null;
        return status is null || status.Site != site
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"No backtest '{id}' on '{site}' (results are kept while they are being read).")
            : TypedResults.Ok(status);
    }
}
