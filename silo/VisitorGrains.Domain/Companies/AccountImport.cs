using System.Globalization;
using System.Net;
using System.Text;
using VisitorGrains.Domain.Alerts;

namespace VisitorGrains.Domain.Companies;

/// <summary>One row of an accounts import, as text (CSV cells or JSON values).</summary>
public sealed record AccountRow(
    string? Name, string? Domain, string? Status, string? Owner, string? Products, string? Industry,
    string? Employees, string? Revenue, string? Country, string? IpRanges);

/// <summary>A problem with one row (1-based, as a spreadsheet counts data rows) and field.</summary>
public sealed record ImportError(int Row, string Field, string Message);

/// <summary>Reads account rows into accounts; every bad row is reported and skipped, good rows are kept.</summary>
public static class AccountImport
{
    public const int MaxRows = 100_000;
    public const int MaxRangesPerAccount = 1000;

    public static (List<Account> Accounts, List<ImportError> Errors) Read(IEnumerable<AccountRow> rows)
    {
        var accounts = new List<Account>();
        var errors = new List<ImportError>();
        var row = 0;
        foreach (var r in rows)
        {
            row++;
            var rowErrors = new List<ImportError>();
            void Fail(string field, string message) => rowErrors.Add(new ImportError(row, field, message));

            var name = r.Name?.Trim();
            if (string.IsNullOrEmpty(name) || name.Length > 200)
            {
                Fail("name", "Required: 1–200 characters.");
            }

            var domain = r.Domain?.Trim().ToLowerInvariant();
            if (string.IsNullOrEmpty(domain))
            {
                domain = null;
            }
            else if (Uri.CheckHostName(domain) != UriHostNameType.Dns || !domain.Contains('.') || domain.Length > 253)
            {
                Fail("domain", "A domain name such as example.com.");
            }

            if (!CrmStatusNames.TryParse(r.Status, out var status))
            {
                Fail("status", "One of customer, lost-deal, target, competitor, own (or empty).");
            }

            int? employees = null;
            if (!string.IsNullOrWhiteSpace(r.Employees))
            {
                if (int.TryParse(r.Employees.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var e) && e >= 0)
                {
                    employees = e;
                }
                else
                {
                    Fail("employees", "A whole number, 0 or more.");
                }
            }

            decimal? revenue = null;
            if (!string.IsNullOrWhiteSpace(r.Revenue))
            {
                if (decimal.TryParse(r.Revenue.Trim(), NumberStyles.Number, CultureInfo.InvariantCulture, out var v) && v >= 0)
                {
                    revenue = v;
                }
                else
                {
                    Fail("revenue", "A number, 0 or more.");
                }
            }

            var country = r.Country?.Trim().ToUpperInvariant();
            if (string.IsNullOrEmpty(country))
            {
                country = null;
            }
            else if (country.Length != 2 || !country.All(char.IsAsciiLetterUpper))
            {
                Fail("country", "A two-letter ISO 3166 country code, e.g. SE.");
            }

            var ranges = new List<string>();
            foreach (var range in SplitList(r.IpRanges))
            {
                if (TryNormaliseRange(range, out var normalised))
                {
                    ranges.Add(normalised);
                }
                else
                {
                    Fail("ip_ranges", $"'{range}' is not a CIDR range such as 192.0.2.0/24 or 2001:db8::/32.");
                }
            }

            if (ranges.Count > MaxRangesPerAccount)
            {
                Fail("ip_ranges", $"At most {MaxRangesPerAccount} ranges per account.");
            }

            if (rowErrors.Count > 0)
            {
                errors.AddRange(rowErrors);
                continue;
            }

            accounts.Add(new Account
            {
                Id = domain ?? CompanyIds.Slug(name!),
                Name = name!,
                Domain = domain,
                Status = status,
                Owner = string.IsNullOrWhiteSpace(r.Owner) ? null : r.Owner.Trim(),
                Products = SplitList(r.Products).Select(p => p.ToLowerInvariant()).ToList(),
                Industry = string.IsNullOrWhiteSpace(r.Industry) ? null : r.Industry.Trim().ToLowerInvariant(),
                Employees = employees,
                Revenue = revenue,
                Country = country,
                IpRanges = ranges,
            });
        }

        return (accounts, errors);
    }

    /// <summary>Accounts merged by id: an import updates the accounts it names and keeps the others.</summary>
    public static List<Account> Merge(IEnumerable<Account> existing, IEnumerable<Account> imported)
    {
        var byId = new Dictionary<string, Account>(StringComparer.OrdinalIgnoreCase);
        var order = new List<string>();
        foreach (var account in existing.Concat(imported))
        {
            if (!byId.ContainsKey(account.Id))
            {
                order.Add(account.Id);
            }

            byId[account.Id] = account;
        }

        return order.Select(id => byId[id]).ToList();
    }

    private static string[] SplitList(string? text) =>
        (text ?? "").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool TryNormaliseRange(string text, out string normalised)
    {
        normalised = "";
        if (!text.Contains('/') && IPAddress.TryParse(text, out var single))
        {
            text = $"{single}/{(single.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)}";
        }

        if (!IPNetwork.TryParse(text, out var network))
        {
            return false;
        }

        normalised = network.ToString();
        return true;
    }
}
