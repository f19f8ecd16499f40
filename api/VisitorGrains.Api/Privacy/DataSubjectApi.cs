using VisitorGrains.Api.Access;
using VisitorGrains.Domain.Alerts;
using VisitorGrains.Domain.Collecting;
using VisitorGrains.Domain.Feed;
using VisitorGrains.Domain.Privacy;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Storage;

namespace VisitorGrains.Api.Privacy;

/// <summary>A company's own record of the visitor.</summary>
public sealed record CompanyRecord(string Id, string Name, string? Domain, CompanyVisitorView? Visitor);

/// <summary>Everything held about one visitor of one site.</summary>
public sealed record VisitorDataExport(
    string Site,
    string Visitor,
    DateTimeOffset ExportedAt,
    VisitorView Profile,
    IReadOnlyList<ExportedEvent> Events,
    IReadOnlyList<string> Emails,
    IReadOnlyList<CompanyRecord> Companies,
    IReadOnlyList<Alert> Alerts,
    IReadOnlyList<AlertHandling> AlertHandling);

/// <summary>Everything held about a person who identified with an email: each of their visitors.</summary>
public sealed record ContactDataExport(string Site, string Email, DateTimeOffset ExportedAt, IReadOnlyList<VisitorDataExport> Visitors);

/// <summary>
/// Data subject requests (GDPR access and erasure), admins only: by visitor id, or by the email a
/// person identified with, which the site's contact index turns into their visitors.
/// </summary>
public static class DataSubjectApi
{
    public static RouteGroupBuilder MapDataSubjectApi(this RouteGroupBuilder api)
    {
        var site = api.MapGroup("/sites/{site}");
        site.MapGet("/visitors/{visitor}/export", ExportVisitorAsync);
        site.MapDelete("/visitors/{visitor}", EraseVisitorAsync);
        site.MapGet("/contacts/{email}/export", ExportContactAsync);
        site.MapDelete("/contacts/{email}", EraseContactAsync);
        return api;
    }

    private static async Task<IResult> ExportVisitorAsync(string site, string visitor, HttpContext http, IGrainFactory grains, TimeProvider time)
    {
        if ((Gate(site, http) ?? VisitorProblem(visitor)) is { } fail)
        {
            return fail;
        }

        return await ExportAsync(grains, site, visitor, time.GetUtcNow()) is { } export
            ? TypedResults.Ok(export)
            : NoVisitor(site, visitor);
    }

    private static async Task<IResult> EraseVisitorAsync(string site, string visitor, HttpContext http, IGrainFactory grains, IJournalStore store,
        ILoggerFactory loggers)
    {
        if ((Gate(site, http) ?? VisitorProblem(visitor)) is { } fail)
        {
            return fail;
        }

        if (!await grains.Visitor(site, visitor).EraseAsync())
        {
            return NoVisitor(site, visitor);
        }

        await PurgeAsync(store, loggers);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> ExportContactAsync(string site, string email, HttpContext http, IGrainFactory grains, TimeProvider time)
    {
        if ((Gate(site, http) ?? EmailProblem(email)) is { } fail)
        {
            return fail;
        }

        var normalised = ContactKey.Normalise(Uri.UnescapeDataString(email))!;
        var exports = new List<VisitorDataExport>();
        var now = time.GetUtcNow();
        foreach (var visitor in await Contact(grains, site, normalised).GetVisitorsAsync())
        {
            if (await ExportAsync(grains, site, visitor, now) is { } export)
            {
                exports.Add(export);
            }
        }

        return exports.Count == 0
            ? NoContact(site)
            : TypedResults.Ok(new ContactDataExport(site, normalised, now, exports));
    }

    private static async Task<IResult> EraseContactAsync(string site, string email, HttpContext http, IGrainFactory grains, IJournalStore store,
        ILoggerFactory loggers)
    {
        if ((Gate(site, http) ?? EmailProblem(email)) is { } fail)
        {
            return fail;
        }

        var contact = Contact(grains, site, ContactKey.Normalise(Uri.UnescapeDataString(email))!);
        var visitors = await contact.GetVisitorsAsync();
        if (visitors.Count == 0)
        {
            return NoContact(site);
        }

        foreach (var visitor in visitors)
        {
            // Each erasure takes the visitor out of the index; one the index knew but that is gone already is taken out here.
            await grains.Visitor(site, visitor).EraseAsync();
            await contact.RemoveVisitorAsync(visitor);
        }

        await PurgeAsync(store, loggers);
        return TypedResults.NoContent();
    }

    private static async Task<VisitorDataExport?> ExportAsync(IGrainFactory grains, string site, string visitor, DateTimeOffset now)
    {
        if (await grains.Visitor(site, visitor).ExportAsync() is not { } held)
        {
            return null;
        }

        var companies = new List<CompanyRecord>();
        foreach (var id in held.Companies)
        {
            if (await grains.GetGrain<ICompanyGrain>(GrainKeys.Company(site, id)).GetAsync() is { } company)
            {
                companies.Add(new CompanyRecord(company.Id, company.Name, company.Domain, company.Visitors.FirstOrDefault(v => v.Visitor == visitor)));
            }
        }

        var alerts = (await grains.GetGrain<IFeedGrain>(site).AfterAsync(0, FeedState.Retained)).Where(a => a.Visitor == visitor).ToList();
        var seqs = alerts.Select(a => a.Seq).ToHashSet();
        var handling = (await grains.GetGrain<IAlertHandlingGrain>(site).AfterAsync(0)).Where(h => seqs.Contains(h.Seq)).ToList();
        return new VisitorDataExport(site, visitor, now, held.Profile, held.Events, held.Emails, companies, alerts, handling);
    }

    /// <summary>Deleted rows can linger in the store's files; the request is answered once they do not.</summary>
    private static async Task PurgeAsync(IJournalStore store, ILoggerFactory loggers)
    {
        try
        {
            await store.PurgeDeletedAsync();
        }
        catch (InvalidOperationException ex)
        {
            // The data is gone from every stream already; what lingers is overwritten by later writes.
            loggers.CreateLogger(typeof(DataSubjectApi)).LogWarning(ex, "Erased data could not be purged from the store's files yet");
        }
    }

    private static IContactGrain Contact(IGrainFactory grains, string site, string normalisedEmail) =>
        grains.GetGrain<IContactGrain>(GrainKeys.Contact(site, ContactKey.Of(site, normalisedEmail)));

    private static IResult? Gate(string site, HttpContext http)
    {
        if (!Identifiers.IsSiteId(site))
        {
            return SiteAccess.InvalidSiteId();
        }

        return http.User.IsAdmin() ? null : SiteAccess.Forbidden("Only admins answer data subject requests.");
    }

    private static IResult? VisitorProblem(string visitor) => Identifiers.IsVisitorId(visitor)
        ? null
        : TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["visitor"] = [SiteAccess.VisitorIdRule] });

    private static IResult? EmailProblem(string email) => ContactKey.Normalise(Uri.UnescapeDataString(email)) is not null
        ? null
        : TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["email"] = [$"An email address of at most {ContactKey.MaxEmailLength} characters."] });

    private static IResult NoVisitor(string site, string visitor) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"No visitor '{visitor}' on '{site}'.");

    private static IResult NoContact(string site) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"No visitor on '{site}' identified with that email.");
}
