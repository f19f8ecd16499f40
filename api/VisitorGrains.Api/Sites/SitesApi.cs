using System.Globalization;
using System.Text;
using System.Text.Json;
using CsvHelper;
using Microsoft.Extensions.Options;
using VisitorGrains.Api.Access;
using VisitorGrains.Domain.Collecting;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Scoring;
using VisitorGrains.Domain.Sites;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Storage;

namespace VisitorGrains.Api.Sites;

public sealed record SiteRequest(string? Name, List<string>? Origins, int? SlaMinutes = null, int? RetentionDays = null);

/// <summary>A site's settings; <c>RetentionDays</c> is in force, the store-wide default when the site sets none.</summary>
public sealed record SiteResponse(string Id, string Name, IReadOnlyList<string> Origins, int RulesVersion, int Accounts, long Version, int SlaMinutes,
    int RetentionDays);

public sealed record RulesVersionInfo(int Version, DateTimeOffset At, string? Author);

public sealed record PreviewRequest(JsonElement? Rules, List<string>? Pages);

public sealed record ImportResult(int Imported, int Total, IReadOnlyList<ImportError> Errors);

/// <summary>The marketers' surface: sites, their rules (versioned) and their accounts.</summary>
public static class SitesApi
{
    public const int MaxImportBytes = 20 * 1024 * 1024;
    public const int MaxRulesBytes = 256 * 1024;

    public static RouteGroupBuilder MapSitesApi(this RouteGroupBuilder api)
    {
        var sites = api.MapGroup("/sites/{site}");
        sites.MapPut("", PutSiteAsync);
        sites.MapGet("", GetSiteAsync);
        sites.MapGet("/rules", GetRulesAsync);
        sites.MapPut("/rules", PutRulesAsync);
        sites.MapGet("/rules/versions", GetRulesVersionsAsync);
        sites.MapPost("/rules/versions/{version:int}/restore", RestoreRulesAsync);
        sites.MapPost("/rules/preview", PreviewRulesAsync);
        sites.MapPost("/accounts", ImportAccountsAsync);
        sites.MapGet("/accounts", GetAccountsAsync);
        return api;
    }

    private static async Task<IResult> PutSiteAsync(string site, SiteRequest request, HttpContext http, IGrainFactory grains,
        IOptions<StorageOptions> storage)
    {
        if (!Identifiers.IsSiteId(site))
        {
            return SiteAccess.InvalidSiteId();
        }

        var existing = await grains.GetGrain<ISiteGrain>(site).GetAsync();
        if (existing is null ? !http.User.IsAdmin() : !http.User.CanConfigure(site))
        {
            return SiteAccess.Forbidden(existing is null ? "Only admins create sites." : "Not allowed to change this site.");
        }

        var errors = new Dictionary<string, string[]>();
        var name = request.Name?.Trim() ?? existing?.Name ?? site;
        if (name.Length is 0 or > 200)
        {
            errors["name"] = ["1–200 characters."];
        }

        var origins = request.Origins ?? existing?.Origins ?? [];
        for (var i = 0; i < origins.Count; i++)
        {
            if (OriginPolicy.Problem(origins[i]) is { } problem)
            {
                errors[$"origins[{i}]"] = [problem];
            }
        }

        var sla = request.SlaMinutes ?? existing?.SlaMinutes ?? SiteDefinition.DefaultSlaMinutes;
        if (sla is < 1 or > SiteDefinition.MaxSlaMinutes)
        {
            errors["slaMinutes"] = [$"1–{SiteDefinition.MaxSlaMinutes} minutes."];
        }

        var retention = request.RetentionDays ?? existing?.RetentionDays;
        if (retention is < SiteDefinition.MinRetentionDays or > SiteDefinition.MaxRetentionDays)
        {
            errors["retentionDays"] = [$"{SiteDefinition.MinRetentionDays}–{SiteDefinition.MaxRetentionDays} days."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        // Shortening retention deletes data for good: that is the admins' call, not a site setting like the others.
        if (retention != existing?.RetentionDays && !http.User.IsAdmin())
        {
            return SiteAccess.Forbidden("Only admins change how long a site's visitor data is kept.");
        }

        var saved = await grains.GetGrain<ISiteGrain>(site).SaveSettingsAsync(name, origins, sla, retention);
        var response = ToResponse(saved, storage.Value);
        return existing is null ? TypedResults.Created($"/api/sites/{site}", response) : TypedResults.Ok(response);
    }

    private static async Task<IResult> GetSiteAsync(string site, HttpContext http, IGrainFactory grains, IOptions<StorageOptions> storage)
    {
        var (definition, fail) = await LoadAsync(site, http, grains, configure: false);
        return definition is null ? fail! : TypedResults.Ok(ToResponse(definition, storage.Value));
    }

    private static async Task<IResult> GetRulesAsync(string site, HttpContext http, IGrainFactory grains)
    {
        var (definition, fail) = await LoadAsync(site, http, grains, configure: false);
        if (definition is null)
        {
            return fail!;
        }

        http.Response.Headers["VG-Rules-Version"] = definition.CurrentRules.Version.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Text(definition.CurrentRules.Json, "application/json", Encoding.UTF8);
    }

    private static async Task<IResult> PutRulesAsync(string site, HttpContext http, IGrainFactory grains)
    {
        var (definition, fail) = await LoadAsync(site, http, grains, configure: true);
        if (definition is null)
        {
            return fail!;
        }

        var json = await ReadTextAsync(http.Request, MaxRulesBytes);
        if (json is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, detail: $"A rules document is at most {MaxRulesBytes} bytes.");
        }

        var (_, errors) = CompiledRules.Compile(0, json);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The rules document has errors; nothing was changed.");
        }

        var version = await grains.GetGrain<ISiteGrain>(site).SaveRulesAsync(json, http.User.Identity?.Name);
        http.Response.Headers["VG-Rules-Version"] = version.Version.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Ok(new RulesVersionInfo(version.Version, version.At, version.Author));
    }

    private static async Task<IResult> GetRulesVersionsAsync(string site, HttpContext http, IGrainFactory grains)
    {
        // The history (who changed the rules, when) is the marketers', as the README says; sales reads the current rules.
        var (definition, fail) = await LoadAsync(site, http, grains, configure: true);
        return definition is null
            ? fail!
            : TypedResults.Ok(definition.Rules.Select(r => new RulesVersionInfo(r.Version, r.At, r.Author)).Reverse().ToList());
    }

    private static async Task<IResult> RestoreRulesAsync(string site, int version, HttpContext http, IGrainFactory grains)
    {
        var (definition, fail) = await LoadAsync(site, http, grains, configure: true);
        if (definition is null)
        {
            return fail!;
        }

        var restored = await grains.GetGrain<ISiteGrain>(site).RestoreRulesAsync(version, http.User.Identity?.Name);
        return restored is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"There is no rules version {version}.")
            : TypedResults.Ok(new RulesVersionInfo(restored.Version, restored.At, restored.Author));
    }

    private static async Task<IResult> GetAccountsAsync(string site, HttpContext http, IGrainFactory grains)
    {
        var (definition, fail) = await LoadAsync(site, http, grains, configure: false);
        return definition is null ? fail! : TypedResults.Ok(definition.Accounts);
    }

    private static async Task<IResult> ImportAccountsAsync(string site, HttpContext http, IGrainFactory grains)
    {
        var (definition, fail) = await LoadAsync(site, http, grains, configure: true);
        if (definition is null)
        {
            return fail!;
        }

        var text = await ReadTextAsync(http.Request, MaxImportBytes);
        if (text is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, detail: $"An import is at most {MaxImportBytes} bytes.");
        }

        var isCsv = http.Request.ContentType?.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase) == true;
        List<AccountRow> rows;
        try
        {
            rows = isCsv ? ReadCsv(text) : ReadJson(text);
        }
        catch (Exception ex) when (ex is JsonException or CsvFormatException or FormatException or InvalidDataException)
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["$"] = [$"Not readable as {(isCsv ? "CSV" : "a JSON array of accounts")}: {ex.Message.Split('\n')[0]}"] });
        }

        if (rows.Count > AccountImport.MaxRows)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["$"] = [$"At most {AccountImport.MaxRows} rows per import."] });
        }

        var (accounts, errors) = AccountImport.Read(rows);
        if (accounts.Count == 0 && errors.Count > 0)
        {
            return TypedResults.Json(new ImportResult(0, definition.Accounts.Count, errors), statusCode: StatusCodes.Status400BadRequest);
        }

        var total = await grains.GetGrain<ISiteGrain>(site).ImportAccountsAsync(accounts);
        return TypedResults.Ok(new ImportResult(accounts.Count, total, errors));
    }

    private static List<AccountRow> ReadCsv(string text)
    {
        // Lists inside a cell use ';', so the separator is fixed rather than detected.
        var options = new CsvReaderOptions
        {
            HasHeader = true,
            Separator = ',',
            TrimWhitespace = true,
            NormalizeHeaderName = name => name.Trim().Replace(' ', '_'),
        };
        using var reader = CsvReader.FromText(text, options);
        var rows = new List<AccountRow>();
        while (reader.Read())
        {
            string? Cell(string name) => reader.TryGetFieldIndex(name, out var index) ? reader.GetStringOrNull(index) : null;
            rows.Add(new AccountRow(
                Cell("name"), Cell("domain"), Cell("status"), Cell("owner"), Cell("products"), Cell("industry"),
                Cell("employees"), Cell("revenue"), Cell("country"), Cell("ip_ranges")));
        }

        return rows;
    }

    private static List<AccountRow> ReadJson(string text)
    {
        using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 16 });
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("The body must be a JSON array.");
        }

        try
        {
            return document.RootElement.EnumerateArray().Select(row => row.ValueKind != JsonValueKind.Object
                ? new AccountRow(null, null, null, null, null, null, null, null, null, null)
                : new AccountRow(
                    Field(row, "name"), Field(row, "domain"), Field(row, "status"), Field(row, "owner"), Field(row, "products"),
                    Field(row, "industry"), Field(row, "employees"), Field(row, "revenue"), Field(row, "country"),
                    Field(row, "ip_ranges") ?? Field(row, "ipRanges"))).ToList();
        }
        catch (InvalidOperationException ex)
        {
            // Parsing keeps strings as sent; an escape that is not UTF-16 (a lone surrogate) only shows when one is read.
            throw new JsonException(ex.Message, ex);
        }
    }

    /// <summary>A JSON value as import text: lists (products, ranges) join with ';'.</summary>
    private static string? Field(JsonElement row, string name)
    {
        if (!row.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.Array => string.Join(';', value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText())),
            JsonValueKind.Null => null,
            _ => value.GetRawText(),
        };
    }

    private static async Task<string?> ReadTextAsync(HttpRequest request, int maxBytes)
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > maxBytes)
            {
                return null;
            }
        }

        return new UTF8Encoding(false, false).GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static async Task<(SiteDefinition? Definition, IResult? Fail)> LoadAsync(string site, HttpContext http, IGrainFactory grains, bool configure)
    {
        if (SiteAccess.Gate(site, http.User, configure) is { } fail)
        {
            return (null, fail);
        }

        var definition = await grains.GetGrain<ISiteGrain>(site).GetAsync();
        return definition is null
            ? (null, TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"There is no site '{site}'."))
            : (definition, null);
    }

    /// <summary>Scores a sample journey under a draft (or the current rules) without saving anything.</summary>
    private static async Task<IResult> PreviewRulesAsync(string site, PreviewRequest request, HttpContext http, IGrainFactory grains, TimeProvider time)
    {
        var (definition, fail) = await LoadAsync(site, http, grains, configure: true);
        if (definition is null)
        {
            return fail!;
        }

        var errors = new Dictionary<string, string[]>();
        var pages = request.Pages ?? [];
        if (pages.Count is 0 or > RulesPreview.MaxPages)
        {
            errors["pages"] = [$"1–{RulesPreview.MaxPages} paths, each starting with '/'."];
        }

        for (var i = 0; i < pages.Count && i < RulesPreview.MaxPages; i++)
        {
            if (pages[i] is not { Length: > 0 and <= 2000 } path || path[0] != '/' || path.Any(char.IsControl))
            {
                errors[$"pages[{i}]"] = ["A path starting with '/', at most 2000 characters."];
            }
        }

        var rules = CompiledRules.Compile(definition.CurrentRules.Version, definition.CurrentRules.Json).Rules ?? CompiledRules.Default;
        if (request.Rules is { ValueKind: JsonValueKind.Object } draft)
        {
            var (compiled, ruleErrors) = CompiledRules.Compile(0, draft.GetRawText());
            foreach (var (path, messages) in ruleErrors)
            {
                errors[path.Length == 0 ? "rules" : $"rules.{path.TrimStart('$', '.')}"] = messages;
            }

            rules = compiled ?? rules;
        }

        return errors.Count > 0
            ? TypedResults.ValidationProblem(errors)
            : TypedResults.Ok(RulesPreview.Score(rules, pages, time.GetUtcNow().ToUnixTimeMilliseconds()));
    }

    private static SiteResponse ToResponse(SiteDefinition site, StorageOptions storage) =>
        new(site.Id, site.Name, site.Origins, site.CurrentRules.Version, site.Accounts.Count, site.Version, site.SlaMinutes,
            site.RetentionDaysOr(storage.HistoryDays));
}
