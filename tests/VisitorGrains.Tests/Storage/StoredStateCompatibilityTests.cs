using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using VisitorGrains.Domain.Collecting;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Journeys;
using VisitorGrains.Domain.Scoring;

namespace VisitorGrains.Tests.Storage;

/// <summary>
/// Checkpoints and journal entries written by an earlier build still read the same. The bytes below were
/// written before <c>ScorePoint</c> stopped being reference-tracked (session 7); a change to how the stored
/// types serialize must keep reading them.
/// </summary>
public sealed class StoredStateCompatibilityTests
{
    private const long Start = 1_790_000_000_000;

    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    /// <summary>A visitor of an account company over three batches, and the company that counted them.</summary>
    internal static (VisitorState Visitor, VisitorEntry LastEntry, CompanyState Company, CompanyEntry LastCompanyEntry) Build()
    {
        var company = new CompanyRef { Id = "acme.example", Name = "Acme", Domain = "acme.example", Country = "SE", Status = CrmStatus.Target, Owner = "erik" };
        var visitor = new VisitorState { Site = "demo", Visitor = "v_compat_1" };
        var state = new CompanyState { Site = "demo", Id = company.Id };
        VisitorEntry? last = null;
        CompanyEntry? lastCompany = null;
        var seq = 0L;
        var alerts = 0;
        foreach (var (paths, offset) in new[] { (new[] { "/", "/pricing" }, 0L), (new[] { "/docs/start", "/pricing" }, 60_000L), (new[] { "/contact" }, 120_000L) })
        {
            var batch = new CollectBatch
            {
                Site = "demo",
                Visitor = visitor.Visitor,
                Events = paths.Select((p, i) => new TrackedEvent
                {
                    Id = $"e_{offset}_{i}", Kind = EventKind.PageView, At = Start + offset + i, Url = "https://example.com" + p + "?utm_source=news", Path = p, Title = "Page " + p,
                }).ToList(),
            };
            last = visitor.Decide(batch, Identification.Of(company) with { Network = "192.0.2.0/24", Because = "the site's account IP ranges" },
                CompiledRules.Default, Start + offset + 10)!;
            visitor.Apply(last, ++seq);
            var contribution = visitor.ContributionOf(last, seq)!;
            lastCompany = state.Decide(contribution, CompiledRules.Default, Start + offset + 20, () => $"a_{++alerts}")!;
            state.Apply(lastCompany, seq);
        }

        return (visitor, last!, state, lastCompany!);
    }

    [Fact]
    public void WhatAnEarlierBuildStored_ReadsBackAsTheSameStates()
    {
        var (visitor, entry, company, companyEntry) = Build();

        var storedVisitor = Serializer.Deserialize<VisitorState>(Convert.FromBase64String(StoredVisitor))!;
        var storedEntry = Serializer.Deserialize<VisitorEntry>(Convert.FromBase64String(StoredVisitorEntry))!;
        var storedCompany = Serializer.Deserialize<CompanyState>(Convert.FromBase64String(StoredCompany))!;
        var storedCompanyEntry = Serializer.Deserialize<CompanyEntry>(Convert.FromBase64String(StoredCompanyEntry))!;

        Assert.Equal(visitor.Points, storedVisitor.Points);
        Assert.Equal(visitor.Journey, storedVisitor.Journey);
        Assert.Equal(visitor.Signals.OrderBy(s => s.Key), storedVisitor.Signals.OrderBy(s => s.Key));
        Assert.Equal((visitor.Seq, visitor.Stage, visitor.Company, visitor.Source, visitor.Total), (storedVisitor.Seq, storedVisitor.Stage, storedVisitor.Company, storedVisitor.Source, storedVisitor.Total));
        Assert.Equal(entry.Points, storedEntry.Points);
        Assert.Equal(entry.Events, storedEntry.Events);
        Assert.Equal(company.Points, storedCompany.Points);
        Assert.Equal(company.Total, storedCompany.Total);
        Assert.Equal(company.Visitors.Keys, storedCompany.Visitors.Keys);
        Assert.Equal(company.Score(Start + 200_000, CompiledRules.Default), storedCompany.Score(Start + 200_000, CompiledRules.Default));
        Assert.Equal(companyEntry.Contribution.Points, storedCompanyEntry.Contribution.Points);
        Assert.Equal(companyEntry.Alerts.Select(a => (a.Id, a.Rule, a.Score)), storedCompanyEntry.Alerts.Select(a => (a.Id, a.Rule, a.Score)));
        Assert.NotEmpty(storedVisitor.Points);
        Assert.NotEmpty(storedCompany.Points);
    }

    /// <summary>
    /// The lists our records hold behind an interface are written as numbers (<c>StoredTypeIds</c>), not by type
    /// name: the entry above was 829 bytes with five names, most of it names.
    /// </summary>
    [Fact]
    public void AJournalEntry_NamesNoCollectionType_AndReadsBackTheSame()
    {
        var (visitor, entry, company, companyEntry) = Build();

        var bytes = Serializer.SerializeToArray(entry);
        var read = Serializer.Deserialize<VisitorEntry>(bytes)!;

        Assert.DoesNotContain("System.Collections", System.Text.Encoding.UTF8.GetString(bytes));
        Assert.True(bytes.Length < Convert.FromBase64String(StoredVisitorEntry).Length / 2,
            $"{bytes.Length} bytes against {Convert.FromBase64String(StoredVisitorEntry).Length} with the names");
        Assert.Equal(entry.Events, read.Events);
        Assert.Equal(entry.Points, read.Points);
        Assert.Equal(entry.Sessions, read.Sessions);
        Assert.Equal(entry.StageChanges, read.StageChanges);
        Assert.Equal(entry.HighIntentPages, read.HighIntentPages);
        foreach (var state in new object[] { visitor, company, companyEntry })
        {
            Assert.DoesNotContain("System.Collections.Generic.List", System.Text.Encoding.UTF8.GetString(Serializer.SerializeToArray(state)));
        }
    }

    [Fact]
    public void APointHeldTwiceInOneGraph_ReadsBackTwice()
    {
        var point = new ScorePoint("page:pricing", 10, Start);
        var state = new VisitorState { Site = "demo", Visitor = "v_twice", Points = [point, point, new ScorePoint("page:docs", 5, Start + 1), point] };

        var read = Serializer.Deserialize<VisitorState>(Serializer.SerializeToArray(state))!;

        Assert.Equal(state.Points, read.Points);
    }

    // Written by the build before ScorePoint's [SuppressReferenceTracking] (Serializer.SerializeToArray of Build()).
    private const string StoredVisitor =
        "IEAJZGVtb0EVdl9jb21wYXRfMQEgADYoYtABIGAgKWLQIegABQEgADYoYtABIGAgKWLQAQGBAAAAAAAAAADgARUhAAsh6AAgADYo" +
        "YtABAUEDL0ENUGFnZSAvwQEBBeAg6ACgADYoYtABAUERL3ByaWNpbmdBG1BhZ2UgL3ByaWNpbmfBAQEF4CDoACAwqyhi0AEBQRcv" +
        "ZG9jcy9zdGFydEEhUGFnZSAvZG9jcy9zdGFydMEBAQXgIOgAoDCrKGLQAQHBM8E1wQEBBeAg6AAgYCApYtABAUERL2NvbnRhY3RB" +
        "G1BhZ2UgL2NvbnRhY3TBAQEF4OAhAAch6EAZcGFnZTpwcmljaW5ngQAAAAAAADRAAaAANihi0OAg6MBrgQAAAAAAADRAAaAwqyhi" +
        "0OAg6EAZcGFnZTpjb250YWN0gQAAAAAAADlAASBgICli0ODgIQALgWiFl/BA3qYQgBuHl/BA36YQgI5qW2zuJC6KgEFsW2zuJS6K" +
        "gKUhPnXwWC1c4CHoQBlhY21lLmV4YW1wbGVBCUFjbWXBkUEFU0XBAQENQQllcmlrQRVhY2NvdW50LWlwgQAAAAAAAPA/wQHBAcEB" +
        "KTXgwQHgwQEBDSEABSHoAAEBBQEgBTYoYtBBJWNvbXBhbnkgaWRlbnRpZmllZOAg6AAFAQ0BIDWrKGLQQT9zY29yZSByZWFjaGVk" +
        "IHRoZSBNUUwgdGhyZXNob2xk4ODBASHgAQ0h6IBWOcEz3j9QQAEgYCApYtCBAAAAAEIG0kHgARUhMAExLNQuHVN0cmluZ0NvbXBh" +
        "cmVyAAMBAeABBcFrIOiAlNG0d+n/Q0ABoDCrKGLQgQAAAABCBtJB4MB7IOiAAAAAAAAAOUABIGAgKWLQgQAAAABCBtJB4ODBAcEB" +
        "QRkxOTIuMC4yLjAvMjRBOXRoZSBzaXRlJ3MgYWNjb3VudCBJUCByYW5nZXNBCW5ld3MhAAPBkeAh4CHg4A==";
    private const string StoredVisitorEntry =
        "IOgwAVxWc8TNU3lzdGVtLkNvbGxlY3Rpb25zLkdlbmVyaWMuTGlzdGAxW1tWaXNpdG9yR3JhaW5zLkRvbWFpbi5Db2xsZWN0aW5n" +
        "LlRyYWNrZWRFdmVudCxWaXNpdG9yR3JhaW5zLkRvbWFpbl1dAAMh6EAVZV8xMjAwMDBfMAEBASBgICli0EFXaHR0cHM6Ly9leGFt" +
        "cGxlLmNvbS9jb250YWN0P3V0bV9zb3VyY2U9bmV3c0ERL2NvbnRhY3TBAUEbUGFnZSAvY29udGFjdAEBAQHBAcEBwQHg4DEBDTuQ" +
        "d1FTeXN0ZW0uQ29sbGVjdGlvbnMuR2VuZXJpYy5MaXN0YDFbW2ludF1dAAMBBeAxAQo4o5bDU3lzdGVtLkNvbGxlY3Rpb25zLkdl" +
        "bmVyaWMuTGlzdGAxW1tWaXNpdG9yR3JhaW5zLkRvbWFpbi5TY29yaW5nLlNjb3JlUG9pbnQsVmlzaXRvckdyYWlucy5Eb21haW5d" +
        "XQADIehAGXBhZ2U6Y29udGFjdIEAAAAAAAA5QAEgYCApYtDg4CHoAAUBIAA2KGLQASBgICli0AEBgQAAAAAAAAAA4CHoIOhAGWFj" +
        "bWUuZXhhbXBsZUEJQWNtZcFFQQVTRcEBAQ1BCWVyaWtBFWFjY291bnQtaXCBAAAAAAAA8D/BAcEBwQEpNeDBAeDBAcEBQRkxOTIu" +
        "MC4yLjAvMjRBOXRoZSBzaXRlJ3MgYWNjb3VudCBJUCByYW5nZXPgMQEzs676yVN5c3RlbS5Db2xsZWN0aW9ucy5HZW5lcmljLkxp" +
        "c3RgMVtbVmlzaXRvckdyYWlucy5Eb21haW4uTGlmZWN5Y2xlLlN0YWdlQ2hhbmdlLFZpc2l0b3JHcmFpbnMuRG9tYWluXV3gwQGB" +
        "AAAAAEIG0kExAVnRtylXU3lzdGVtLkNvbGxlY3Rpb25zLkdlbmVyaWMuTGlzdGAxW1tzdHJpbmddXQADwRPgOQvgAQEBIGUgKWLQ" +
        "4A==";
    private const string StoredCompany =
        "IEAJZGVtb0EZYWNtZS5leGFtcGxlIejAB0EJQWNtZcEHQQVTRcEBAQ1BCWVyaWtBFWFjY291bnQtaXCBAAAAAAAA8D/BAcEBwQEp" +
        "NeDBAeABoAA2KGLQASBgICli0CEAByHoQBlwYWdlOnByaWNpbmeBAAAAAAAANEABoAA2KGLQ4CDowDGBAAAAAAAANEABoDCrKGLQ" +
        "4CDoQBlwYWdlOmNvbnRhY3SBAAAAAAAAOUABIGAgKWLQ4OAhMAExLNQuHVN0cmluZ0NvbXBhcmVyAAMBAeABA0EVdl9jb21wYXRf" +
        "MSAADQGgADYoYtABIGAgKWLQARUBDUEJbmV3cwGgMKsoYtABoDCrKGLQ4OAhAAlBES9jb250YWN0QBEvcHJpY2luZ0AXL2RvY3Mv" +
        "c3RhcnRAAy/gITgDAAMBAeABBUEhaGlnaC1pbnRlbnQtcGFnZQAgOqsoYtBAF2hvdC1jb21wYW55ACBqICli0OAhAAUh6AABQQdh" +
        "XzHBBSGAQJP2oOoX3wiBAAAAAAAAAADgwXsh6MAHwQ3BB8ERwQFBDXRhcmdldMEX4MFRQQdNUUxBCXdhcm0BoTEBlmaja7tSZWFk" +
        "T25seUxpc3RJbnRlcmZhY2VDb2RlY2AxW1tWaXNpdG9yR3JhaW5zLkRvbWFpbi5TY29yaW5nLlNjb3JlUmVhc29uLFZpc2l0b3JH" +
        "cmFpbnMuRG9tYWluXV0AByHoQBNzdGFnZTptcWwBoeAg6EAbcGFnZTovcHJpY2luZwEB4CDowDEBoeDgMQFZ0bcpV1N5c3RlbS5D" +
        "b2xsZWN0aW9ucy5HZW5lcmljLkxpc3RgMVtbc3RyaW5nXV0AB8FrwG3Ab+DBFyGAoAz1oOoX3wiBAAAAAAAAAADg4CDoAAFBB2Ff" +
        "MsEFIYBA2bnE6hffCIEAAAAAAAAAAODBfyHowAfBDcEHwRHBAcGjwRfgwVHBqUEHaG90AQoCOQUABSHowDEBoeAg6MBBAWXg4DkH" +
        "AAnBacBrwG3Ab+DBFyGAoFK4xOoX3wiBAAAAAAAAAADg4OABDSHogFY5wTPeP1BAASBgICli0IEAAAAAQgbSQeDg";
    private const string StoredCompanyEntry =
        "IOgg6EAVdl9jb21wYXRfMQENIehAGWFjbWUuZXhhbXBsZUEJQWNtZcENQQVTRcEBAQ1BCWVyaWtBFWFjY291bnQtaXCBAAAAAAAA" +
        "8D/BAcEBwQEpNeDBAeAxAQo4o5bDU3lzdGVtLkNvbGxlY3Rpb25zLkdlbmVyaWMuTGlzdGAxW1tWaXNpdG9yR3JhaW5zLkRvbWFp" +
        "bi5TY29yaW5nLlNjb3JlUG9pbnQsVmlzaXRvckdyYWlucy5Eb21haW5dXQADIehAGXBhZ2U6Y29udGFjdIEAAAAAAAA5QAEgYCAp" +
        "YtDg4DEBWdG3KVdTeXN0ZW0uQ29sbGVjdGlvbnMuR2VuZXJpYy5MaXN0YDFbW3N0cmluZ11dAANBES9jb250YWN04AENASBgICli" +
        "0DkFAAPBOeA5BeBBCW5ld3MBIGUgKWLQ4DEBy+1b4LdTeXN0ZW0uQ29sbGVjdGlvbnMuR2VuZXJpYy5MaXN0YDFbW1Zpc2l0b3JH" +
        "cmFpbnMuRG9tYWluLkFsZXJ0cy5BbGVydCxWaXNpdG9yR3JhaW5zLkRvbWFpbl1dAAMh6AABQQdhXzJBCWRlbW8hgEDZucTqF98I" +
        "gQAAAAAAAAAA4EEXaG90LWNvbXBhbnkh6MANwQ/BDcETwQFBDXRhcmdldMEZ4MEHQQdNUUxBB2hvdAEKAjEBlmaja7tSZWFkT25s" +
        "eUxpc3RJbnRlcmZhY2VDb2RlY2AxW1tWaXNpdG9yR3JhaW5zLkRvbWFpbi5TY29yaW5nLlNjb3JlUmVhc29uLFZpc2l0b3JHcmFp" +
        "bnMuRG9tYWluXV0ABSHoQBlwYWdlOnByaWNpbmcBoeAg6MAvAWXg4DkFAAnBOUARL3ByaWNpbmdAFy9kb2NzL3N0YXJ0QAMv4MEZ" +
        "IYCgUrjE6hffCIEAAAAAAAAAAODg4IEAAAAAQgbSQeA=";
}
