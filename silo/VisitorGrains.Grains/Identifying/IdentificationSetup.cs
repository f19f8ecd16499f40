using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VisitorGrains.Domain.Identifying;
using VisitorGrains.Grains.Hosting;

namespace VisitorGrains.Grains.Identifying;

/// <summary>The <c>Identification</c> section of the configuration.</summary>
public sealed class IdentificationOptions
{
    /// <summary>
    /// Files or folders of IP databases: MaxMind .mmdb files of any type (told apart by their metadata)
    /// and ASN range files (.csv: start,end,asn,organization). Default: the data folder's ip/ folder.
    /// </summary>
    public string[]? Databases { get; set; }

    /// <summary>Well-known network files; default: the shipped identification/networks.txt.</summary>
    public string[]? NetworkFiles { get; set; }

    /// <summary>Where free-mail, disposable and public-suffix lists are; default: the shipped lists/ folder.</summary>
    public string? ListsDirectory { get; set; }

    /// <summary>Reverse DNS look-ups for addresses no database names (on in appsettings.json).</summary>
    public bool ReverseDns { get; set; }

    public int ReverseDnsTimeoutMs { get; set; } = 300;

    public int CacheSize { get; set; } = 200_000;
}

public static class IdentificationSetup
{
    /// <summary>Registers one <see cref="CompanyIdentifier"/> for the node: readers opened once, shared by all requests.</summary>
    public static IServiceCollection AddIdentification(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(sp =>
        {
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("VisitorGrains.Identification");
            var identifier = Build(configuration, logger, out var databases, sp.GetService<IReverseDns>());
            return new IdentificationRuntime(identifier, databases);
        });
        services.AddSingleton(sp => sp.GetRequiredService<IdentificationRuntime>().Identifier);
        return services;
    }

    public static CompanyIdentifier Build(IConfiguration configuration, ILogger logger, out IpDatabases databases, IReverseDns? reverseDns = null)
    {
        var options = configuration.GetSection("Identification").Get<IdentificationOptions>() ?? new IdentificationOptions();
        var baseDirectory = AppContext.BaseDirectory;

        databases = new IpDatabases();
        foreach (var entry in options.Databases ?? [Path.Combine(DataPaths.DataDirectory(configuration), "ip")])
        {
            string[] files = Directory.Exists(entry) ? [.. Directory.GetFiles(entry).Order(StringComparer.Ordinal)] : File.Exists(entry) ? [entry] : [];
            if (files.Length == 0 && options.Databases is not null)
            {
                logger.LogWarning("Identification: {Path} has no IP databases", entry);
            }

            foreach (var file in files)
            {
                try
                {
                    if (file.EndsWith(".mmdb", StringComparison.OrdinalIgnoreCase))
                    {
                        databases.AddMaxMind(file);
                    }
                    else if (file.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
                    {
                        databases.AddAsnRanges(file);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or MaxMind.Db.InvalidDatabaseException or FormatException)
                {
                    logger.LogError(ex, "Identification: could not open {File}; it is not used", file);
                }
            }
        }

        var known = new List<string>();
        foreach (var file in options.NetworkFiles ?? [Path.Combine(baseDirectory, "identification", "networks.txt")])
        {
            if (File.Exists(file))
            {
                known.AddRange(File.ReadLines(file));
            }
            else
            {
                logger.LogWarning("Identification: the networks file {File} is missing", file);
            }
        }

        var lists = options.ListsDirectory ?? Path.Combine(baseDirectory, "lists");
        var suffixFile = Path.Combine(lists, "public-suffix.dat");
        var suffixes = File.Exists(suffixFile) ? PublicSuffixList.Load(suffixFile) : null;
        var mail = MailDomains.Load(lists);
        if (mail.Count == 0 || suffixes is null)
        {
            // Without the free-mail list, gmail.com would become a company: identify by email not at all.
            logger.LogWarning("Identification: the lists in {Directory} are missing (build lists/ with npm); email domains and reverse DNS identify nobody", lists);
        }

        var identifier = new CompanyIdentifier(
            databases.IsEmpty ? null : databases,
            options.ReverseDns ? reverseDns ?? new DnsReverseResolver() : reverseDns,
            new KnownNetworks(known),
            suffixes,
            mail,
            new IdentifierOptions
            {
                CacheSize = options.CacheSize,
                ReverseDnsTimeout = TimeSpan.FromMilliseconds(Math.Clamp(options.ReverseDnsTimeoutMs, 10, 5000)),
                EmailDomains = mail.Count > 0 && suffixes is not null,
            });

        logger.LogInformation("Identification: {Databases}; {Networks} known networks; {Mail:N0} personal mail domains; reverse DNS {ReverseDns}",
            databases.IsEmpty ? "no IP databases (account ranges and email only; see README: fetch-ip-data)" : string.Join("; ", databases.Loaded),
            new KnownNetworks(known).Count, mail.Count, options.ReverseDns ? "on" : "off");
        return identifier;
    }
}

/// <summary>The node's identifier and the readers it holds open, closed when the host stops.</summary>
public sealed class IdentificationRuntime(CompanyIdentifier identifier, IpDatabases databases) : IDisposable
{
    public CompanyIdentifier Identifier { get; } = identifier;

    public void Dispose() => databases.Dispose();
}
