using System.Net;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Identifying;
using VisitorGrains.Domain.Sites;

namespace VisitorGrains.Tests.Unit;

public sealed class AccountsAndOriginsTests
{
    private static Account Account(string id, params string[] ranges) => new() { Id = id, Name = id, IpRanges = ranges };

    [Fact]
    public void MostSpecificRange_Wins_ForIPv4AndIPv6()
    {
        var directory = new AccountDirectory([
            Account("isp-block", "198.51.0.0/16"),
            Account("volvocars.com", "198.51.100.0/24", "2001:db8:10::/48"),
            Account("scania.com", "2001:db8::/32"),
        ]);

        Assert.Equal("volvocars.com", directory.FindByAddress(IPAddress.Parse("198.51.100.7"))?.Id);
        Assert.Equal("isp-block", directory.FindByAddress(IPAddress.Parse("198.51.7.1"))?.Id);
        Assert.Equal("volvocars.com", directory.FindByAddress(IPAddress.Parse("2001:db8:10::1"))?.Id);
        Assert.Equal("scania.com", directory.FindByAddress(IPAddress.Parse("2001:db8:99::1"))?.Id);
        Assert.Equal("volvocars.com", directory.FindByAddress(IPAddress.Parse("::ffff:198.51.100.7"))?.Id);
        Assert.Null(directory.FindByAddress(IPAddress.Parse("192.0.2.1")));
    }

    [Fact]
    public void PrivateAndUnknownAddresses_SayWhyThereIsNoCompany()
    {
        var directory = new AccountDirectory([Account("lab.example", "10.1.0.0/16")]);
        Identification Identify(string ip) => CompanyIdentifier.AccountsOnly.IdentifyAsync(IPAddress.Parse(ip), null, directory).AsTask().Result;

        Assert.Equal("lab.example", Identify("10.1.2.3").Company?.Id);
        Assert.Equal(UnidentifiedReason.Private, Identify("10.9.9.9").Unidentified);
        Assert.Equal(UnidentifiedReason.Private, Identify("127.0.0.1").Unidentified);
        Assert.Equal(UnidentifiedReason.Unknown, Identify("192.0.2.1").Unidentified);
    }

    [Fact]
    public void AccountImport_KeepsGoodRowsAndReportsBadOnes()
    {
        var (accounts, errors) = AccountImport.Read([
            new AccountRow("Volvo Cars", "VolvoCars.com", "target", "erik", "trucks; buses", "Automotive", "40000", "1000000", "se", "198.51.100.0/24; 2001:db8::/32; 192.0.2.9"),
            new AccountRow("", "bad domain", "friend", null, null, null, "many", "-1", "Sweden", "not-a-range"),
        ]);

        var volvo = Assert.Single(accounts);
        Assert.Equal("volvocars.com", volvo.Id);
        Assert.Equal(CrmStatus.Target, volvo.Status);
        Assert.Equal(["trucks", "buses"], volvo.Products);
        Assert.Equal(["198.51.100.0/24", "2001:db8::/32", "192.0.2.9/32"], volvo.IpRanges);
        Assert.Equal("SE", volvo.Country);
        Assert.Equal(["country", "domain", "employees", "ip_ranges", "name", "revenue", "status"],
            errors.Where(e => e.Row == 2).Select(e => e.Field).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("http://localhost:5173", true)]
    [InlineData("http://127.0.0.1:8080", true)]
    [InlineData("https://example.com", true)]
    [InlineData("https://www.example.com", false)]
    [InlineData("https://app.shop.example", true)]
    [InlineData("http://example.com", false)]
    [InlineData("https://evil.com", false)]
    [InlineData("null", false)]
    public void Origins_AreMatchedBySchemeHostAndPort(string origin, bool allowed)
    {
        var policy = new OriginPolicy(["http://localhost:*", "http://127.0.0.1:*", "https://example.com", "https://*.shop.example"]);

        Assert.Equal(allowed, policy.Allows(origin));
    }
}
