using System.Net;
using System.Numerics;
using System.Text;
using MaxMind.Db;
using MaxMind.GeoIP2;
using MaxMind.GeoIP2.Exceptions;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.Unit;

/// <summary>Databases written by <see cref="MmdbWriter"/> read back through MaxMind's own .NET readers.</summary>
public sealed class MmdbWriterTests
{
    [Theory]
    [InlineData("GeoLite2-City", 24)]
    [InlineData("GeoLite2-City", 28)]
    [InlineData("GeoIP2-City", 28)]
    [InlineData("GeoIP2-City", 32)]
    public void City_RoundTrips(string databaseType, int recordSize)
    {
        using var dir = new TempDirectory();
        var writer = new MmdbWriter(databaseType, recordSize)
            .Insert("203.0.113.0/24", CityRecord("Testford", 2_000_101, "XE", "Examplia", "XE-TF", "Testshire", 57.7089, 11.9746, "411 01"))
            .Insert("2001:db8:10::/48", CityRecord("Sampleby", 2_000_102, "XS", "Samplestan", "XS-SB", "Sample County", -33.8688, 151.2093, "2000"));
        using var reader = Open(dir, writer);

        Assert.True(reader.TryCity(IPAddress.Parse("203.0.113.77"), out var city));
        Assert.Equal("Testford", city!.City.Names["en"]);
        Assert.Equal("Testford", city.City.Name);
        Assert.Equal(2_000_101L, city.City.GeoNameId);
        Assert.Equal("XE", city.Country.IsoCode);
        Assert.Equal("Examplia", city.Country.Names["en"]);
        var subdivision = Assert.Single(city.Subdivisions);
        Assert.Equal("XE-TF", subdivision.IsoCode);
        Assert.Equal("Testshire", subdivision.Names["en"]);
        Assert.Equal(57.7089, city.Location.Latitude);
        Assert.Equal(11.9746, city.Location.Longitude);
        Assert.Equal(20, city.Location.AccuracyRadius);
        Assert.Equal("411 01", city.Postal.Code);
        Assert.Equal("203.0.113.0/24", city.Traits.Network?.ToString());

        var sampleby = reader.City(IPAddress.Parse("2001:db8:10:abcd::1"));
        Assert.Equal("Sampleby", sampleby.City.Name);
        Assert.Equal("XS", sampleby.Country.IsoCode);
        Assert.Equal("Sample County", sampleby.MostSpecificSubdivision.Name);
        Assert.Equal(-33.8688, sampleby.Location.Latitude);
        Assert.Equal("2000", sampleby.Postal.Code);
        Assert.Equal("2001:db8:10::/48", sampleby.Traits.Network?.ToString());
    }

    [Fact]
    public void Asn_RoundTrips()
    {
        using var dir = new TempDirectory();
        var writer = new MmdbWriter("GeoLite2-ASN")
            .Insert("198.51.100.0/24", new Dictionary<string, object>
            {
                ["autonomous_system_number"] = 64_500L,
                ["autonomous_system_organization"] = "Example Transit AB",
            })
            .Insert("2001:db8:20::/48", new Dictionary<string, object>
            {
                ["autonomous_system_number"] = 4_200_000_001u,
                ["autonomous_system_organization"] = "Private Use Networks",
            });
        using var reader = Open(dir, writer);

        var asn = reader.Asn(IPAddress.Parse("198.51.100.200"));
        Assert.Equal(64_500L, asn.AutonomousSystemNumber);
        Assert.Equal("Example Transit AB", asn.AutonomousSystemOrganization);
        Assert.Equal("198.51.100.0/24", asn.Network?.ToString());

        Assert.True(reader.TryAsn(IPAddress.Parse("2001:db8:20::5"), out var wide));
        Assert.Equal(4_200_000_001L, wide!.AutonomousSystemNumber);
        Assert.Equal("Private Use Networks", wide.AutonomousSystemOrganization);
    }

    [Fact]
    public void Isp_RoundTrips()
    {
        using var dir = new TempDirectory();
        var writer = new MmdbWriter("GeoIP2-ISP")
            .Insert("192.0.2.0/25", new Dictionary<string, object>
            {
                ["isp"] = "Example Mobile",
                ["organization"] = "Example Mobile Business",
                ["autonomous_system_number"] = 64_501L,
                ["autonomous_system_organization"] = "Example Mobile AS",
                ["mobile_country_code"] = "999",
                ["mobile_network_code"] = "01",
            });
        using var reader = Open(dir, writer);

        var isp = reader.Isp(IPAddress.Parse("192.0.2.1"));
        Assert.Equal("Example Mobile", isp.Isp);
        Assert.Equal("Example Mobile Business", isp.Organization);
        Assert.Equal(64_501L, isp.AutonomousSystemNumber);
        Assert.Equal("Example Mobile AS", isp.AutonomousSystemOrganization);
        Assert.Equal("999", isp.MobileCountryCode);
        Assert.Equal("01", isp.MobileNetworkCode);
        Assert.Equal("192.0.2.0/25", isp.Network?.ToString());
        Assert.False(reader.TryIsp(IPAddress.Parse("192.0.2.200"), out _));
    }

    [Theory]
    [InlineData(24)]
    [InlineData(28)]
    [InlineData(32)]
    public void Enterprise_RoundTrips(int recordSize)
    {
        using var dir = new TempDirectory();
        var record = CityRecord("Testford", 2_000_101, "XE", "Examplia", "XE-TF", "Testshire", 57.7089, 11.9746, "411 01");
        record["traits"] = new Dictionary<string, object>
        {
            ["user_type"] = "business",
            ["connection_type"] = "Corporate",
            ["organization"] = "Example Freight AB",
            ["isp"] = "Example Fiber",
            ["domain"] = "example.com",
            ["autonomous_system_number"] = 64_502L,
            ["autonomous_system_organization"] = "Example Fiber AS",
            ["is_anonymous"] = true,
            ["is_anonymous_vpn"] = true,
            ["is_hosting_provider"] = false,
        };
        var writer = new MmdbWriter("GeoIP2-Enterprise", recordSize).Insert("203.0.113.64/26", record);
        using var reader = Open(dir, writer);

        Assert.True(reader.TryEnterprise(IPAddress.Parse("203.0.113.100"), out var resp));
        Assert.Equal("Testford", resp!.City.Name);
        Assert.Equal(2_000_101L, resp.City.GeoNameId);
        Assert.Equal("XE", resp.Country.IsoCode);
        Assert.Equal("Examplia", resp.Country.Name);
        Assert.Equal("XE-TF", resp.MostSpecificSubdivision.IsoCode);
        Assert.Equal(11.9746, resp.Location.Longitude);
        Assert.Equal("411 01", resp.Postal.Code);
        Assert.Equal("business", resp.Traits.UserType);
        Assert.Equal("Corporate", resp.Traits.ConnectionType);
        Assert.Equal("Example Freight AB", resp.Traits.Organization);
        Assert.Equal("Example Fiber", resp.Traits.Isp);
        Assert.Equal("example.com", resp.Traits.Domain);
        Assert.Equal(64_502L, resp.Traits.AutonomousSystemNumber);
        Assert.Equal("Example Fiber AS", resp.Traits.AutonomousSystemOrganization);
#pragma warning disable CS0618 // These Traits flags are marked obsolete in favour of an Anonymizer object, but the Enterprise database still fills them.
        Assert.True(resp.Traits.IsAnonymous);
        Assert.True(resp.Traits.IsAnonymousVpn);
        Assert.False(resp.Traits.IsHostingProvider);
#pragma warning restore CS0618
        Assert.Equal("203.0.113.64/26", resp.Traits.Network?.ToString());
    }

    [Fact]
    public void ConnectionType_RoundTrips()
    {
        using var dir = new TempDirectory();
        var writer = new MmdbWriter("GeoIP2-Connection-Type")
            .Insert("198.51.100.0/24", new Dictionary<string, object> { ["connection_type"] = "Cable/DSL" })
            .Insert("2001:db8:30::/48", new Dictionary<string, object> { ["connection_type"] = "Cellular" });
        using var reader = Open(dir, writer);

        Assert.Equal("Cable/DSL", reader.ConnectionType(IPAddress.Parse("198.51.100.9")).ConnectionType);
        var cellular = reader.ConnectionType(IPAddress.Parse("2001:db8:30::9"));
        Assert.Equal("Cellular", cellular.ConnectionType);
        Assert.Equal("2001:db8:30::/48", cellular.Network?.ToString());
    }

    [Fact]
    public void AnonymousIp_RoundTrips()
    {
        using var dir = new TempDirectory();
        var writer = new MmdbWriter("GeoIP2-Anonymous-IP")
            .Insert("192.0.2.0/24", new Dictionary<string, object>
            {
                ["is_anonymous"] = true,
                ["is_anonymous_vpn"] = true,
                ["is_hosting_provider"] = true,
                ["is_public_proxy"] = true,
                ["is_tor_exit_node"] = true,
                ["is_residential_proxy"] = true,
            })
            .Insert("198.51.100.0/24", new Dictionary<string, object>
            {
                ["is_anonymous"] = true,
                ["is_anonymous_vpn"] = false,
                ["is_hosting_provider"] = true,
                ["is_public_proxy"] = false,
                ["is_tor_exit_node"] = false,
                ["is_residential_proxy"] = false,
            });
        using var reader = Open(dir, writer);

        var all = reader.AnonymousIP(IPAddress.Parse("192.0.2.3"));
        Assert.True(all.IsAnonymous);
        Assert.True(all.IsAnonymousVpn);
        Assert.True(all.IsHostingProvider);
        Assert.True(all.IsPublicProxy);
        Assert.True(all.IsTorExitNode);
        Assert.True(all.IsResidentialProxy);

        Assert.True(reader.TryAnonymousIP(IPAddress.Parse("198.51.100.3"), out var hosting));
        Assert.True(hosting!.IsAnonymous);
        Assert.False(hosting.IsAnonymousVpn);
        Assert.True(hosting.IsHostingProvider);
        Assert.False(hosting.IsPublicProxy);
        Assert.False(hosting.IsTorExitNode);
        Assert.False(hosting.IsResidentialProxy);
        Assert.Equal("198.51.100.0/24", hosting.Network?.ToString());
    }

    [Theory]
    [InlineData(24)]
    [InlineData(28)]
    [InlineData(32)]
    public void Lookups_ReportTheInsertedNetwork(int recordSize)
    {
        using var dir = new TempDirectory();
        var writer = new MmdbWriter("GeoLite2-ASN", recordSize)
            .Insert("192.0.2.7/32", Asn(64_510, "Single Host"))
            .Insert("198.51.100.0/24", Asn(64_511, "Whole Block"))
            .Insert("203.0.113.128/25", Asn(64_512, "Upper Half"))
            .Insert("2001:db8:40::/48", Asn(64_513, "Site"))
            .Insert("2001:db8:50:1::/64", Asn(64_514, "Subnet"))
            .Insert("2001:db8:60::1/128", Asn(64_515, "IPv6 Host"));
        using var reader = Open(dir, writer);

        Assert.Equal("192.0.2.7/32", LookUp(reader, "192.0.2.7"));
        Assert.Equal("198.51.100.0/24", LookUp(reader, "198.51.100.0"));
        Assert.Equal("198.51.100.0/24", LookUp(reader, "198.51.100.255"));
        Assert.Equal("203.0.113.128/25", LookUp(reader, "203.0.113.129"));
        Assert.Equal("2001:db8:40::/48", LookUp(reader, "2001:db8:40:ffff:ffff:ffff:ffff:ffff"));
        Assert.Equal("2001:db8:50:1::/64", LookUp(reader, "2001:db8:50:1::abcd"));
        Assert.Equal("2001:db8:60::1/128", LookUp(reader, "2001:db8:60::1"));
        Assert.Equal("Upper Half", reader.Asn(IPAddress.Parse("203.0.113.200")).AutonomousSystemOrganization);
        Assert.Equal("Subnet", reader.Asn(IPAddress.Parse("2001:db8:50:1::1")).AutonomousSystemOrganization);

        using var raw = new Reader(Path.Combine(dir.Path, "GeoLite2-ASN.mmdb"), FileAccessMode.MemoryMapped);
        Assert.NotNull(raw.Find<Dictionary<string, object>>(IPAddress.Parse("198.51.100.10"), out var ipv4Prefix));
        Assert.Equal(24, ipv4Prefix);
        Assert.NotNull(raw.Find<Dictionary<string, object>>(IPAddress.Parse("2001:db8:40::10"), out var ipv6Prefix));
        Assert.Equal(48, ipv6Prefix);
    }

    [Theory]
    [InlineData(24)]
    [InlineData(28)]
    [InlineData(32)]
    public void AddressesOutsideEveryNetwork_AreNotFound(int recordSize)
    {
        using var dir = new TempDirectory();
        var writer = new MmdbWriter("GeoIP2-City", recordSize)
            .Insert("203.0.113.0/25", CityRecord("Testford", 2_000_101, "XE", "Examplia", "XE-TF", "Testshire", 57.7, 11.9, "411 01"))
            .Insert("2001:db8:70::/48", CityRecord("Sampleby", 2_000_102, "XS", "Samplestan", "XS-SB", "Sample County", 1.5, 2.5, "2000"));
        using var reader = Open(dir, writer);

        foreach (var address in new[] { "203.0.113.128", "203.0.113.255", "198.51.100.1", "192.0.2.1", "2001:db8:71::1", "2001:db8::1" })
        {
            Assert.False(reader.TryCity(IPAddress.Parse(address), out var response), address);
            Assert.Null(response);
            Assert.Throws<AddressNotFoundException>(() => reader.City(IPAddress.Parse(address)));
        }
    }

    [Fact]
    public void FamiliesWithNoNetworks_AreNotFound()
    {
        using var dir = new TempDirectory();
        using var onlyIpv6 = Open(dir, new MmdbWriter("GeoLite2-ASN").Insert("2001:db8:80::/48", Asn(64_520, "Only IPv6")));
        Assert.False(onlyIpv6.TryAsn(IPAddress.Parse("192.0.2.1"), out _));
        Assert.True(onlyIpv6.TryAsn(IPAddress.Parse("2001:db8:80::1"), out _));

        using var onlyIpv4 = Open(dir, new MmdbWriter("GeoIP2-ISP").Insert("192.0.2.0/24", new Dictionary<string, object> { ["isp"] = "Only IPv4" }));
        Assert.False(onlyIpv4.TryIsp(IPAddress.Parse("2001:db8:80::1"), out _));
        Assert.Equal("Only IPv4", onlyIpv4.Isp(IPAddress.Parse("192.0.2.1")).Isp);
    }

    [Theory]
    [InlineData(true, 24)]
    [InlineData(false, 24)]
    [InlineData(true, 28)]
    [InlineData(false, 28)]
    [InlineData(true, 32)]
    [InlineData(false, 32)]
    public void NestedNetworks_TheMoreSpecificWins_InEitherInsertionOrder(bool broaderFirst, int recordSize)
    {
        var networks = new List<(string Cidr, Dictionary<string, object> Record)>
        {
            ("203.0.113.0/24", Asn(64_530, "Broad IPv4")),
            ("203.0.113.64/26", Asn(64_531, "Narrow IPv4")),
            ("2001:db8::/32", Asn(64_532, "Broad IPv6")),
            ("2001:db8:90::/48", Asn(64_533, "Narrow IPv6")),
        };
        if (!broaderFirst)
        {
            networks.Reverse();
        }

        var writer = new MmdbWriter("GeoLite2-ASN", recordSize);
        networks.ForEach(n => writer.Insert(n.Cidr, n.Record));
        using var dir = new TempDirectory();
        using var reader = Open(dir, writer);

        var narrow = reader.Asn(IPAddress.Parse("203.0.113.70"));
        Assert.Equal("Narrow IPv4", narrow.AutonomousSystemOrganization);
        Assert.Equal("203.0.113.64/26", narrow.Network?.ToString());
        Assert.Equal("Narrow IPv6", reader.Asn(IPAddress.Parse("2001:db8:90:1::1")).AutonomousSystemOrganization);
        Assert.Equal("2001:db8:90::/48", reader.Asn(IPAddress.Parse("2001:db8:90:1::1")).Network?.ToString());

        // Around the narrow network the broad record is split into smaller pieces of the tree, so the reader
        // reports the piece an address is in rather than the whole /24.
        foreach (var address in new[] { "203.0.113.0", "203.0.113.63", "203.0.113.128", "203.0.113.255" })
        {
            var broad = reader.Asn(IPAddress.Parse(address));
            Assert.Equal("Broad IPv4", broad.AutonomousSystemOrganization);
            Assert.InRange(broad.Network!.PrefixLength, 24, 26);
        }

        Assert.Equal("Broad IPv6", reader.Asn(IPAddress.Parse("2001:db8:91::1")).AutonomousSystemOrganization);
        Assert.Equal("Broad IPv6", reader.Asn(IPAddress.Parse("2001:db8:ffff::1")).AutonomousSystemOrganization);
    }

    [Fact]
    public void InsertingTheSameNetworkTwice_KeepsTheLaterRecord()
    {
        using var dir = new TempDirectory();
        var writer = new MmdbWriter("GeoLite2-ASN")
            .Insert("198.51.100.0/24", Asn(64_540, "First"))
            .Insert("198.51.100.0/24", Asn(64_541, "Second"));
        using var reader = Open(dir, writer);

        Assert.Equal("Second", reader.Asn(IPAddress.Parse("198.51.100.1")).AutonomousSystemOrganization);
    }

    [Theory]
    [InlineData(24)]
    [InlineData(28)]
    [InlineData(32)]
    public void Metadata_DescribesTheDatabase(int recordSize)
    {
        using var dir = new TempDirectory();
        var writer = new MmdbWriter("GeoIP2-Connection-Type", recordSize)
        {
            BuildTime = new DateTimeOffset(2025, 11, 3, 12, 0, 0, TimeSpan.Zero),
            Description = "Made-up connection types",
        };
        writer.Insert("192.0.2.0/24", new Dictionary<string, object> { ["connection_type"] = "Corporate" });
        using var reader = Open(dir, writer);

        Assert.Equal("GeoIP2-Connection-Type", reader.Metadata.DatabaseType);
        Assert.Equal(6, reader.Metadata.IPVersion);
        Assert.Equal(2, reader.Metadata.BinaryFormatMajorVersion);
        Assert.Equal(0, reader.Metadata.BinaryFormatMinorVersion);
        Assert.Equal(new DateTime(2025, 11, 3, 12, 0, 0, DateTimeKind.Utc), reader.Metadata.BuildDate);
        Assert.Equal(["en"], reader.Metadata.Languages);
        Assert.Equal("Made-up connection types", reader.Metadata.Description["en"]);
    }

    [Theory]
    [InlineData(24)]
    [InlineData(28)]
    [InlineData(32)]
    public void EveryValueType_RoundTrips(int recordSize)
    {
        var record = new Dictionary<string, object>
        {
            ["string"] = "Made-up text åäö ✓",
            ["empty_string"] = "",
            ["string_29"] = new string('a', 29),
            ["string_300"] = new string('b', 300),
            ["string_70000"] = new string('c', 70_000),
            ["true"] = true,
            ["false"] = false,
            ["int32"] = 123_456,
            ["int32_negative"] = -42,
            ["int32_zero"] = 0,
            ["uint16"] = MmdbWriter.AsUInt16(65_535),
            ["ushort"] = (ushort)7,
            ["uint32"] = 4_294_967_295u,
            ["long"] = 3_000_000_000L,
            ["uint64"] = ulong.MaxValue,
            ["big_long"] = 5_000_000_000L,
            ["uint128"] = (BigInteger.One << 127) + 5,
            ["double"] = -12.345678901234,
            ["float"] = 1.5f,
            ["bytes"] = new byte[] { 0, 1, 2, 254, 255 },
            ["array"] = new object[] { "one", 2, new Dictionary<string, object> { ["three"] = 3.0 } },
            ["list"] = new List<string> { "x", "y" },
            ["empty_map"] = new Dictionary<string, object>(),
            ["names"] = new Dictionary<string, string> { ["en"] = "Examplia", ["sv"] = "Exemplien" },
        };
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "types.mmdb");
        new MmdbWriter("Test-Types", recordSize).Insert("2001:db8:a0::/48", record).Write(path);
        using var reader = new Reader(path, FileAccessMode.MemoryMapped);

        var read = reader.Find<Dictionary<string, object>>(IPAddress.Parse("2001:db8:a0::1"))!;
        Assert.Equal("Made-up text åäö ✓", read["string"]);
        Assert.Equal("", read["empty_string"]);
        Assert.Equal(new string('a', 29), read["string_29"]);
        Assert.Equal(new string('b', 300), read["string_300"]);
        Assert.Equal(new string('c', 70_000), read["string_70000"]);
        Assert.Equal(true, read["true"]);
        Assert.Equal(false, read["false"]);
        Assert.Equal(123_456, read["int32"]);
        Assert.Equal(-42, read["int32_negative"]);
        Assert.Equal(0, read["int32_zero"]);
        Assert.Equal(65_535, read["uint16"]);
        Assert.Equal(7, read["ushort"]);
        Assert.Equal(4_294_967_295L, read["uint32"]);
        Assert.Equal(3_000_000_000L, read["long"]);
        Assert.Equal(ulong.MaxValue, read["uint64"]);
        Assert.Equal(5_000_000_000UL, read["big_long"]);
        Assert.Equal((BigInteger.One << 127) + 5, read["uint128"]);
        Assert.Equal(-12.345678901234, read["double"]);
        Assert.Equal(1.5f, read["float"]);
        Assert.Equal(new byte[] { 0, 1, 2, 254, 255 }, read["bytes"]);
        var array = Assert.IsAssignableFrom<IEnumerable<object>>(read["array"]).ToList();
        Assert.Equal("one", array[0]);
        Assert.Equal(2, array[1]);
        Assert.Equal(3.0, Assert.IsAssignableFrom<IDictionary<string, object>>(array[2])["three"]);
        Assert.Equal(["x", "y"], Assert.IsAssignableFrom<IEnumerable<object>>(read["list"]));
        Assert.Empty(Assert.IsAssignableFrom<IDictionary<string, object>>(read["empty_map"]));
        Assert.Equal("Exemplien", Assert.IsAssignableFrom<IDictionary<string, object>>(read["names"])["sv"]);
    }

    [Theory]
    [InlineData(24)]
    [InlineData(28)]
    [InlineData(32)]
    public void ManyNetworks_AllRoundTrip(int recordSize)
    {
        var writer = new MmdbWriter("GeoIP2-City", recordSize);
        var expected = new Dictionary<string, string>();
        foreach (var block in new[] { "192.0.2", "198.51.100", "203.0.113" })
        {
            for (var host = 0; host < 256; host++)
            {
                var name = $"Town {block}.{host}";
                writer.Insert($"{block}.{host}/32", CityRecord(name, 3_000_000 + host, "XE", "Examplia", "XE-TF", "Testshire", host / 10.0, -host / 10.0, $"{host:000} 00"));
                expected[$"{block}.{host}"] = name;
            }
        }

        for (var subnet = 0; subnet < 1_000; subnet++)
        {
            var name = $"Village {subnet}";
            writer.Insert($"2001:db8:b0:{subnet:x}::/64", CityRecord(name, 4_000_000 + subnet, "XS", "Samplestan", "XS-SB", "Sample County", 1.0, 2.0, "2000"));
            expected[$"2001:db8:b0:{subnet:x}::1"] = name;
        }

        using var dir = new TempDirectory();
        using var reader = Open(dir, writer);

        foreach (var (address, name) in expected)
        {
            var city = reader.City(IPAddress.Parse(address));
            Assert.Equal(name, city.City.Name);
            Assert.Equal(address.Contains(':', StringComparison.Ordinal) ? 64 : 32, city.Traits.Network!.PrefixLength);
            Assert.Equal(address.Contains(':', StringComparison.Ordinal) ? "Samplestan" : "Examplia", city.Country.Name);
        }
    }

    [Fact]
    public void StringsAndRecordsThatRepeat_AreStoredOnce_AndReadBackThroughPointers()
    {
        var shared = CityRecord("Repeatville", 2_000_201, "XE", "Examplia", "XE-TF", "Testshire", 10, 20, "111 11");
        var writer = new MmdbWriter("GeoIP2-City");
        for (var host = 0; host < 100; host++)
        {
            writer.Insert($"192.0.2.{host}/32", shared);
        }

        for (var host = 0; host < 100; host++)
        {
            writer.Insert($"198.51.100.{host}/32", CityRecord($"Other {host}", 2_000_300 + host, "XE", "Examplia", "XE-TF", "Testshire", 10, 20, "111 11"));
        }

        var bytes = writer.ToArray();
        Assert.Equal(1, Occurrences(bytes, "Repeatville"));
        Assert.Equal(1, Occurrences(bytes, "Examplia"));
        Assert.Equal(1, Occurrences(bytes, "Testshire"));

        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "dedup.mmdb");
        File.WriteAllBytes(path, bytes);
        using var reader = new DatabaseReader(path, FileAccessMode.MemoryMapped);
        Assert.Equal("Repeatville", reader.City(IPAddress.Parse("192.0.2.99")).City.Name);
        Assert.Equal("Other 42", reader.City(IPAddress.Parse("198.51.100.42")).City.Name);
        Assert.Equal("Testshire", reader.City(IPAddress.Parse("198.51.100.42")).MostSpecificSubdivision.Name);
    }

    [Theory]
    [InlineData(24)]
    [InlineData(32)]
    public void LargeDataSections_ReadBackThroughLongPointers(int recordSize)
    {
        var writer = new MmdbWriter("Test-Large", recordSize)
            .Insert("192.0.2.0/24", new Dictionary<string, object> { ["blob"] = new byte[600_000], ["name"] = "Made-up far away name" })
            .Insert("198.51.100.0/24", new Dictionary<string, object> { ["name"] = "Made-up far away name", ["other"] = "Made-up near name" })
            .Insert("203.0.113.0/24", new Dictionary<string, object> { ["other"] = "Made-up near name" });
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "large.mmdb");
        writer.Write(path);
        using var reader = new Reader(path, FileAccessMode.MemoryMapped);

        Assert.Equal(600_000, ((byte[])reader.Find<Dictionary<string, object>>(IPAddress.Parse("192.0.2.1"))!["blob"]).Length);
        Assert.Equal("Made-up far away name", reader.Find<Dictionary<string, object>>(IPAddress.Parse("198.51.100.1"))!["name"]);
        Assert.Equal("Made-up near name", reader.Find<Dictionary<string, object>>(IPAddress.Parse("203.0.113.1"))!["other"]);
    }

    [Theory]
    [InlineData(28)]
    [InlineData(32)]
    public void DataBeyond16MiB_IsReachableWithWideRecords(int recordSize)
    {
        var writer = new MmdbWriter("Test-Huge", recordSize)
            .Insert("192.0.2.0/24", new Dictionary<string, object> { ["blob"] = new byte[16_800_000] })
            .Insert("198.51.100.0/24", new Dictionary<string, object> { ["name"] = "Made-up name past 16 MiB" });
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "huge.mmdb");
        writer.Write(path);
        using var reader = new Reader(path, FileAccessMode.MemoryMapped);

        Assert.Equal("Made-up name past 16 MiB", reader.Find<Dictionary<string, object>>(IPAddress.Parse("198.51.100.1"))!["name"]);
    }

    [Fact]
    public void DataBeyond16MiB_IsRejectedWith24BitRecords()
    {
        var writer = new MmdbWriter("Test-Huge", 24)
            .Insert("192.0.2.0/24", new Dictionary<string, object> { ["blob"] = new byte[16_800_000] })
            .Insert("198.51.100.0/24", new Dictionary<string, object> { ["name"] = "Made-up name past 16 MiB" });

        Assert.Throws<InvalidOperationException>(writer.ToArray);
    }

    [Fact]
    public void BadInput_IsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MmdbWriter("GeoIP2-City", 16));
        var writer = new MmdbWriter("GeoIP2-City");
        var record = new Dictionary<string, object> { ["x"] = "y" };
        Assert.Throws<ArgumentException>(() => writer.Insert("not-an-address/24", record));
        Assert.Throws<ArgumentException>(() => writer.Insert("192.0.2.0/33", record));
        Assert.Throws<ArgumentException>(() => writer.Insert("2001:db8::/129", record));
        Assert.Throws<ArgumentException>(() => new MmdbWriter("Test").Insert("192.0.2.0/24", new Dictionary<string, object> { ["x"] = DateTime.UtcNow }).ToArray());
    }

    private static DatabaseReader Open(TempDirectory dir, MmdbWriter writer)
    {
        var path = Path.Combine(dir.Path, $"{writer.DatabaseType}.mmdb");
        writer.Write(path);
        return new DatabaseReader(path, FileAccessMode.MemoryMapped);
    }

    private static string? LookUp(DatabaseReader reader, string address) => reader.Asn(IPAddress.Parse(address)).Network?.ToString();

    private static Dictionary<string, object> Names(string english) => new() { ["en"] = english };

    private static Dictionary<string, object> Asn(long number, string organization) => new()
    {
        ["autonomous_system_number"] = number,
        ["autonomous_system_organization"] = organization,
    };

    /// <summary>A record shaped like the GeoIP2 and GeoLite2 City databases' records.</summary>
    private static Dictionary<string, object> CityRecord(
        string city, long geonameId, string countryIso, string country, string subdivisionIso, string subdivision, double latitude, double longitude, string postalCode) => new()
    {
        ["city"] = new Dictionary<string, object> { ["geoname_id"] = geonameId, ["names"] = Names(city) },
        ["country"] = new Dictionary<string, object> { ["geoname_id"] = 2_999_001L, ["iso_code"] = countryIso, ["names"] = Names(country) },
        ["registered_country"] = new Dictionary<string, object> { ["geoname_id"] = 2_999_001L, ["iso_code"] = countryIso, ["names"] = Names(country) },
        ["subdivisions"] = new object[] { new Dictionary<string, object> { ["geoname_id"] = 2_999_101L, ["iso_code"] = subdivisionIso, ["names"] = Names(subdivision) } },
        ["location"] = new Dictionary<string, object> { ["latitude"] = latitude, ["longitude"] = longitude, ["accuracy_radius"] = MmdbWriter.AsUInt16(20), ["time_zone"] = "Etc/UTC" },
        ["postal"] = new Dictionary<string, object> { ["code"] = postalCode },
    };

    private static int Occurrences(byte[] haystack, string text)
    {
        var needle = Encoding.UTF8.GetBytes(text);
        var rest = haystack.AsSpan();
        var count = 0;
        int at;
        while ((at = rest.IndexOf(needle)) >= 0)
        {
            count++;
            rest = rest[(at + needle.Length)..];
        }

        return count;
    }
}
