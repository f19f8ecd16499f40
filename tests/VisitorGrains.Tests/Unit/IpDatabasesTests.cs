using System.Net;
using VisitorGrains.Grains.Identifying;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.Unit;

/// <summary>The MaxMind readers and ASN ranges behind identification, on databases the test writes.</summary>
public sealed class IpDatabasesTests
{
    private static Dictionary<string, object> Map(params (string Key, object Value)[] entries) => entries.ToDictionary(e => e.Key, e => e.Value);

    [Fact]
    public void SeparateDatabases_AreToldApartByTheirMetadata_AndMerged()
    {
        using var folder = new TempDirectory();
        string Write(string name, MmdbWriter writer)
        {
            var path = Path.Combine(folder.Path, name);
            writer.Write(path);
            return path;
        }

        var files = new[]
        {
            Write("a.mmdb", new MmdbWriter("GeoLite2-City").Insert("198.51.100.0/24", Map(
                ("city", Map(("names", Map(("en", "Gothenburg"))))),
                ("country", Map(("iso_code", "SE"))),
                ("subdivisions", new object[] { Map(("names", Map(("en", "Västra Götaland")))) })))),
            Write("b.mmdb", new MmdbWriter("GeoIP2-ISP").Insert("198.51.100.0/24", Map(
                ("isp", "Example Net"), ("organization", "Example Widgets AB"),
                ("autonomous_system_number", 64500L), ("autonomous_system_organization", "EXAMPLE-NET")))
                .Insert("203.0.113.0/24", Map(("isp", "Example Mobile"), ("organization", "Example Mobile"), ("mobile_network_code", "01")))),
            Write("c.mmdb", new MmdbWriter("GeoIP2-Connection-Type").Insert("198.51.100.0/24", Map(("connection_type", "Corporate")))),
            Write("d.mmdb", new MmdbWriter("GeoIP2-Anonymous-IP").Insert("192.0.2.0/24", Map(("is_anonymous", true), ("is_anonymous_vpn", true)))),
            Write("e.mmdb", new MmdbWriter("GeoLite2-ASN").Insert("2001:db8::/32", Map(("autonomous_system_number", 64501L), ("autonomous_system_organization", "Example Labs")))),
        };
        var csv = Path.Combine(folder.Path, "asn.csv");
        File.WriteAllText(csv, "192.0.2.0,192.0.2.255,64502,\"Example VPN, Inc.\"\n2001:db9::,2001:db9:ffff:ffff:ffff:ffff:ffff:ffff,64503,Example Six\n");

        using var databases = new IpDatabases();
        foreach (var file in files)
        {
            databases.AddMaxMind(file);
        }

        databases.AddAsnRanges(csv);

        var business = databases.Lookup(IPAddress.Parse("198.51.100.9"));
        Assert.Equal(("SE", "Västra Götaland", "Gothenburg"), (business.Location?.Country, business.Location?.Region, business.Location?.City));
        Assert.Equal(("Example Widgets AB", "Example Net", 64500L, "Corporate"), (business.Organization, business.Isp, business.Asn, business.ConnectionType));

        var mobile = databases.Lookup(IPAddress.Parse("203.0.113.9"));
        Assert.True(mobile.MobileNetwork);

        var vpn = databases.Lookup(IPAddress.Parse("192.0.2.9"));
        Assert.True(vpn.AnonymousVpn);
        Assert.Equal((64502L, "Example VPN, Inc."), (vpn.Asn, vpn.AsnOrganization)); // from the CSV ranges

        Assert.Equal("Example Labs", databases.Lookup(IPAddress.Parse("2001:db8::1")).AsnOrganization);
        Assert.Equal("Example Six", databases.Lookup(IPAddress.Parse("2001:db9::77")).AsnOrganization);
        Assert.Equal(VisitorGrains.Domain.Identifying.NetworkFacts.None, databases.Lookup(IPAddress.Parse("100.64.0.1")));
        Assert.Equal(6, databases.Loaded.Count);
    }
}
