using System.Net;
using VisitorGrains.Domain.Companies;
using VisitorGrains.Domain.Identifying;

namespace VisitorGrains.Tests.Unit;

/// <summary>The identification chain as plain code, with the shipped lists and a fake set of IP databases.</summary>
public sealed class IdentificationTests
{
    private static readonly string Lists = Path.Combine(AppContext.BaseDirectory, "lists");
    private static readonly Lazy<PublicSuffixList> Suffixes = new(() => PublicSuffixList.Load(Path.Combine(Lists, "public-suffix.dat")));
    private static readonly Lazy<MailDomains> Mail = new(() => MailDomains.Load(Lists));
    private static readonly Lazy<KnownNetworks> Known = new(() => KnownNetworks.Load(Path.Combine(AppContext.BaseDirectory, "identification", "networks.txt")));

    [Theory]
    [InlineData("www.volvocars.com", "volvocars.com")]
    [InlineData("mail.sales.volvocars.co.uk", "volvocars.co.uk")]
    [InlineData("volvocars.com.", "volvocars.com")]
    [InlineData("team.github.io", "team.github.io")] // a private suffix: each github.io site is its own
    [InlineData("a.b.ck", "a.b.ck")] // wildcard rule *.ck
    [InlineData("www.ck", "www.ck")] // exception rule !www.ck
    [InlineData("co.uk", null)]
    [InlineData("com", null)]
    [InlineData("", null)]
    public void PublicSuffixList_GivesTheRegistrableDomain(string host, string? expected)
    {
        Assert.True(Suffixes.Value.Count > 5000);
        Assert.Equal(expected, Suffixes.Value.RegistrableDomain(host));
    }

    [Theory]
    [InlineData("gmail.com", "free-mail")]
    [InlineData("outlook.com", "free-mail")]
    [InlineData("GMX.de", "free-mail")]
    [InlineData("guerrillamail.com", "disposable")]
    [InlineData("volvocars.com", null)]
    [InlineData("scania.com", null)]
    public void MailDomains_FromTheMaintainedLists(string domain, string? expected)
    {
        Assert.True(Mail.Value.Count > 100_000, "the shipped lists are the maintained ones, not a handful");
        Assert.Equal(expected, Mail.Value.PersonalKind(domain));
    }

    [Fact]
    public void KnownNetworks_FileParses_AndSaysWhichLine()
    {
        var known = new KnownNetworks(["# comment", "", "hosting as:64500 # test", "isp org:Example Cable Co", "mobile domain:mobile.example.net"]);

        Assert.Equal(NetworkKind.Hosting, known.ByAsn(64500)?.Kind);
        Assert.Contains("line 3", known.ByAsn(64500)?.Because);
        Assert.Equal(NetworkKind.Residential, known.ByName("EXAMPLE CABLE CO., Inc.")?.Kind);
        Assert.Null(known.ByName("Example Cablecorp")); // whole words only
        Assert.Equal(NetworkKind.Mobile, known.ByDomain("cust-1.mobile.example.net")?.Kind);
        Assert.Null(known.ByDomain("mobile.example.org"));
        Assert.Throws<FormatException>(() => new KnownNetworks(["isp nonsense"]));
        Assert.True(Known.Value.Count > 100, "the shipped networks file is read");
        Assert.Equal(NetworkKind.Hosting, Known.Value.ByAsn(16509)?.Kind);
    }

    [Theory]
    [InlineData("business", null, false, NetworkKind.Business, "user type: business")]
    [InlineData("residential", null, false, NetworkKind.Residential, "user type: residential")]
    [InlineData("cellular", null, false, NetworkKind.Mobile, "user type: cellular")]
    [InlineData("hosting", null, false, NetworkKind.Hosting, "user type: hosting")]
    [InlineData("consumer_privacy", null, false, NetworkKind.Vpn, "user type: consumer_privacy")]
    [InlineData(null, "Cellular", false, NetworkKind.Mobile, "connection type: Cellular")]
    [InlineData(null, "Cable/DSL", false, NetworkKind.Residential, "connection type: Cable/DSL")]
    [InlineData(null, null, true, NetworkKind.Vpn, "anonymous-IP database: VPN")]
    public void Classifier_UsesTheDatabaseFieldsFirst(string? userType, string? connectionType, bool vpn, NetworkKind kind, string because)
    {
        var verdict = new NetworkClassifier(Known.Value).Classify(new NetworkFacts
        {
            Organization = "Example Widgets AB",
            UserType = userType,
            ConnectionType = connectionType,
            AnonymousVpn = vpn,
        });

        Assert.Equal(kind, verdict.Kind);
        Assert.Equal(because, verdict.Because);
    }

    [Fact]
    public void Classifier_ThenTheKnownNetworks_ThenNameHeuristics()
    {
        var classifier = new NetworkClassifier(Known.Value);

        var amazon = classifier.Classify(new NetworkFacts { Asn = 16509, AsnOrganization = "AMAZON-02" });
        Assert.Equal(NetworkKind.Hosting, amazon.Kind);
        Assert.StartsWith("known network: networks.txt line", amazon.Because);

        var comcast = classifier.Classify(new NetworkFacts { Organization = "Comcast Cable Communications, LLC" });
        Assert.Equal(NetworkKind.Residential, comcast.Kind);

        var telecom = classifier.Classify(new NetworkFacts { AsnOrganization = "Example Telecom Ltd" });
        Assert.Equal(NetworkKind.Residential, telecom.Kind);
        Assert.Equal("name heuristic: 'telecom' in 'Example Telecom Ltd'", telecom.Because);

        var isp = classifier.Classify(new NetworkFacts { Organization = "Example Net", Isp = "Example Net" });
        Assert.Equal(NetworkKind.Residential, isp.Kind);

        var company = classifier.Classify(new NetworkFacts { Organization = "Example Widgets AB", Isp = "Example Net" });
        Assert.Equal(NetworkKind.Unknown, company.Kind);
        Assert.False(company.NamesNobody);
    }

    [Theory]
    [InlineData("c-203-0-113-5.hsd1.ca.comcast.net", "203.0.113.5", true)]
    [InlineData("5.113.0.203.dyn.example.net", "203.0.113.5", true)]
    [InlineData("pool-203-0-113-5.bstnma.fios.example.net", "203.0.113.5", true)]
    [InlineData("dsl-customer.example.net", "203.0.113.5", true)]
    [InlineData("gw1.volvocars.com", "203.0.113.5", false)]
    [InlineData("mail.example-widgets.se", "203.0.113.5", false)]
    public void ReverseNames_OfIspCustomersAreRecognised(string name, string address, bool dynamic) =>
        Assert.Equal(dynamic, NetworkClassifier.LooksDynamic(name, IPAddress.Parse(address)));

    [Fact]
    public async Task Chain_AccountRangesComeFirst_ThenEmail_ThenTheOrganization()
    {
        var databases = new FakeDatabases
        {
            ["198.51.100.7"] = new NetworkFacts { Organization = "Example Widgets AB", UserType = "business", Location = new Geo { Country = "SE", City = "Gothenburg" } },
        };
        var identifier = Identifier(databases);
        var accounts = new AccountDirectory([
            new Account { Id = "volvocars.com", Name = "Volvo Cars", Domain = "volvocars.com", IpRanges = ["198.51.100.0/28"] },
            new Account { Id = "scania.com", Name = "Scania", Domain = "scania.com" },
        ]);

        var byRange = await identifier.IdentifyAsync(IPAddress.Parse("198.51.100.7"), "anna@scania.com", accounts);
        Assert.Equal(("volvocars.com", IdentificationSource.AccountIp, 1.0), (byRange.Company!.Id, byRange.Company.Source, byRange.Company.Confidence));
        Assert.Equal("Gothenburg", byRange.Company.City);

        var byEmail = await identifier.IdentifyAsync(IPAddress.Parse("198.51.100.99"), "anna.berg@it.scania.com", accounts);
        Assert.Equal(("scania.com", IdentificationSource.Email), (byEmail.Company!.Id, byEmail.Company.Source));
        Assert.Equal("Scania", byEmail.Company.Name); // the account's own record

        var newDomain = await identifier.IdentifyAsync(IPAddress.Parse("198.51.100.99"), "jo@example-widgets.se", accounts);
        Assert.Equal(("example-widgets.se", IdentificationSource.Email, 0.8), (newDomain.Company!.Id, newDomain.Company.Source, newDomain.Company.Confidence));

        databases["198.51.100.200"] = databases["198.51.100.7"];
        var byOrganization = await identifier.IdentifyAsync(IPAddress.Parse("198.51.100.200"), null, accounts);
        Assert.Equal(("example-widgets-ab", IdentificationSource.MaxMind), (byOrganization.Company!.Id, byOrganization.Company.Source));
        Assert.Equal("user type: business", byOrganization.Because?.Split('(', ')')[1]);
    }

    [Fact]
    public async Task Chain_FreeMailAndDisposableDomains_IdentifyNobody()
    {
        var identifier = Identifier(new FakeDatabases());

        var gmail = await identifier.IdentifyAsync(IPAddress.Parse("192.0.2.10"), "anna.berg@gmail.com", AccountDirectory.Empty);
        var disposable = await identifier.IdentifyAsync(IPAddress.Parse("192.0.2.10"), "x@guerrillamail.com", AccountDirectory.Empty);

        Assert.Null(gmail.Company);
        Assert.Contains("free-mail domain gmail.com", gmail.Because);
        Assert.Null(disposable.Company);
        Assert.Contains("disposable domain guerrillamail.com", disposable.Because);
    }

    [Theory]
    [InlineData("residential", UnidentifiedReason.Residential)]
    [InlineData("cellular", UnidentifiedReason.Mobile)]
    [InlineData("hosting", UnidentifiedReason.Hosting)]
    [InlineData("consumer_privacy", UnidentifiedReason.Vpn)]
    public async Task Chain_IspMobileHostingAndVpnNetworks_NeverNameACompany(string userType, string reason)
    {
        var databases = new FakeDatabases
        {
            ["2001:db8:5::1"] = new NetworkFacts { Organization = "Example Provider", Isp = "Example Provider", UserType = userType, Asn = 64501, AsnOrganization = "Example Provider" },
        };

        var identification = await Identifier(databases, new FakeReverseDns { ["2001:db8:5::1"] = "host.example-provider.com" })
            .IdentifyAsync(IPAddress.Parse("2001:db8:5::1"), null, AccountDirectory.Empty);

        Assert.Null(identification.Company);
        Assert.Equal(reason, identification.Unidentified);
        Assert.Equal($"user type: {userType}", identification.Because);
        Assert.Equal("2001:db8:5::/48", identification.Network);
    }

    [Fact]
    public async Task Chain_ReverseDns_ThenAsn_WhenNoOrganization()
    {
        var databases = new FakeDatabases
        {
            ["203.0.113.10"] = new NetworkFacts { Asn = 64510, AsnOrganization = "Example Widgets AB" },
            ["203.0.113.20"] = new NetworkFacts { Asn = 64510, AsnOrganization = "Example Widgets AB" },
            ["203.0.113.30"] = new NetworkFacts { Asn = 64520, AsnOrganization = "EXAMPLE-BROADBAND" },
        };
        var resolver = new FakeReverseDns
        {
            ["203.0.113.10"] = "gw1.office.example-widgets.se",
            ["203.0.113.20"] = "c-203-0-113-20.hsd1.example.net",
        };
        var identifier = Identifier(databases, resolver);

        var byName = await identifier.IdentifyAsync(IPAddress.Parse("203.0.113.10"), null, AccountDirectory.Empty);
        Assert.Equal(("example-widgets.se", IdentificationSource.ReverseDns, 0.5), (byName.Company!.Id, byName.Company.Source, byName.Company.Confidence));

        var dynamic = await identifier.IdentifyAsync(IPAddress.Parse("203.0.113.20"), null, AccountDirectory.Empty);
        Assert.Null(dynamic.Company);
        Assert.Equal(UnidentifiedReason.Residential, dynamic.Unidentified);

        var byAsn = await Identifier(databases).IdentifyAsync(IPAddress.Parse("203.0.113.10"), null, AccountDirectory.Empty);
        Assert.Equal(("example-widgets-ab", IdentificationSource.Asn, 0.3), (byAsn.Company!.Id, byAsn.Company.Source, byAsn.Company.Confidence));

        var broadband = await identifier.IdentifyAsync(IPAddress.Parse("203.0.113.30"), null, AccountDirectory.Empty);
        Assert.Null(broadband.Company);
        Assert.Equal(UnidentifiedReason.Residential, broadband.Unidentified);
        Assert.Contains("broadband", broadband.Because);
    }

    [Fact]
    public async Task Chain_SlowReverseDns_IsGivenUpOn()
    {
        var databases = new FakeDatabases { ["203.0.113.40"] = new NetworkFacts { Asn = 64530, AsnOrganization = "Example Widgets AB" } };
        var resolver = new FakeReverseDns { Delay = TimeSpan.FromSeconds(30), ["203.0.113.40"] = "gw.example-widgets.se" };
        var identifier = new CompanyIdentifier(databases, resolver, Known.Value, Suffixes.Value, Mail.Value,
            new IdentifierOptions { ReverseDnsTimeout = TimeSpan.FromMilliseconds(50) });

        var identification = await identifier.IdentifyAsync(IPAddress.Parse("203.0.113.40"), null, AccountDirectory.Empty);

        Assert.Equal(IdentificationSource.Asn, identification.Company?.Source);
    }

    [Fact]
    public async Task Chain_PrivateAndLoopbackAddresses()
    {
        var databases = new FakeDatabases();
        var identifier = Identifier(databases);

        foreach (var address in new[] { "10.1.2.3", "192.168.1.1", "127.0.0.1", "::1", "fd00::1", "::ffff:10.1.2.3" })
        {
            var identification = await identifier.IdentifyAsync(IPAddress.Parse(address), null, AccountDirectory.Empty);
            Assert.Equal(UnidentifiedReason.Private, identification.Unidentified);
        }

        Assert.Equal(0, databases.Lookups); // nothing to look up for a private address
    }

    [Fact]
    public async Task Chain_CachesPerAddress_AndKeepsOnlyTheTruncatedNetwork()
    {
        var databases = new FakeDatabases { ["198.51.100.77"] = new NetworkFacts { Organization = "Example Widgets AB", UserType = "business" } };
        var identifier = Identifier(databases);
        var address = IPAddress.Parse("198.51.100.77");

        for (var i = 0; i < 5; i++)
        {
            var identification = await identifier.IdentifyAsync(address, null, AccountDirectory.Empty);
            Assert.Equal("198.51.100.0/24", identification.Network);
            Assert.DoesNotContain("198.51.100.77", identification.ToString());
        }

        Assert.Equal(1, databases.Lookups);
        Assert.Equal(4, identifier.CacheHits);
        Assert.Equal("2001:db8:1234::/48", CompanyIdentifier.Truncate(IPAddress.Parse("2001:db8:1234:5678::9")));
    }

    [Fact]
    public void Visitor_KeepsTheStrongestIdentification()
    {
        var account = new CompanyRef { Id = "volvocars.com", Name = "Volvo Cars", Source = IdentificationSource.AccountIp };
        var email = new CompanyRef { Id = "scania.com", Name = "scania.com", Source = IdentificationSource.Email };
        var asn = new CompanyRef { Id = "example", Name = "Example", Source = IdentificationSource.Asn };

        Assert.Same(email, IdentificationSource.Stronger(email, asn));
        Assert.Same(email, IdentificationSource.Stronger(asn, email));
        Assert.Same(account, IdentificationSource.Stronger(email, account));
        Assert.Same(email, IdentificationSource.Stronger(null, email));
    }

    private static CompanyIdentifier Identifier(FakeDatabases databases, FakeReverseDns? reverseDns = null) =>
        new(databases, reverseDns, Known.Value, Suffixes.Value, Mail.Value);

    private sealed class FakeDatabases : Dictionary<string, NetworkFacts>, INetworkDatabase
    {
        public int Lookups { get; private set; }

        public NetworkFacts Lookup(IPAddress address)
        {
            Lookups++;
            return TryGetValue(address.ToString(), out var facts) ? facts : NetworkFacts.None;
        }
    }

    private sealed class FakeReverseDns : Dictionary<string, string>, IReverseDns
    {
        public TimeSpan Delay { get; init; }

        public async ValueTask<string?> ResolveAsync(IPAddress address, CancellationToken cancellationToken)
        {
            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay, cancellationToken);
            }

            return TryGetValue(address.ToString(), out var name) ? name : null;
        }
    }
}
