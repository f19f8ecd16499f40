using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using VisitorGrains.Grains.Postgres;
using VisitorGrains.Grains.Sites;
using VisitorGrains.Grains.Storage;

namespace VisitorGrains.Grains.Hosting;

/// <summary>Everything a silo of VisitorGrains needs, in one call.</summary>
public static class SiloBuilderExtensions
{
    public static ISiloBuilder AddVisitorGrains(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.Services.AddVisitorGrainsServices(configuration);
        silo.Services.AddSingleton<JournalRecovery>();
        silo.Services.AddSingleton<UnsentOutboxes>();
        silo.Services.AddSingleton<Journeys.VisitorGrainServices>();
        // Visitors are the many, held by their shards: one idle for a few minutes has left the site, and its
        // state is a checkpoint away. This bounds resident visitors to arrivals × this age, whatever the total.
        silo.Services.AddSingleton(new Journeys.VisitorCollection(
            configuration.GetValue("Orleans:VisitorCollectionAge", TimeSpan.FromMinutes(5)),
            configuration.GetValue("Orleans:CollectionQuantum", TimeSpan.FromSeconds(10))));
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<UnsentOutboxes>());
        silo.AddStartupTask<Bootstrap>();
        silo.Services.AddSingleton<Retention>();
        silo.Services.AddHostedService(sp => sp.GetRequiredService<Retention>());
        if (ClusterSettings.From(configuration).IsCluster)
        {
            silo.Services.AddHostedService<ClusterRecovery>();
        }

        silo.Configure<GrainCollectionOptions>(options =>
        {
            options.CollectionAge = configuration.GetValue("Orleans:CollectionAge", TimeSpan.FromMinutes(15));
            // Collected in small rounds (companies, contacts; visitor shards let their own visitors go on the
            // same quantum): with the default of a minute, a round deactivates a minute of arrivals at once.
            options.CollectionQuantum = configuration.GetValue("Orleans:CollectionQuantum", TimeSpan.FromSeconds(10));
            // And if memory runs short anyway, the least recently used activations go first.
            options.EnableActivationSheddingOnMemoryPressure = configuration.GetValue("Orleans:ShedOnMemoryPressure", true);
            options.MemoryUsageLimitPercentage = configuration.GetValue("Orleans:MemoryLimitPercent", 80);
            options.MemoryUsageTargetPercentage = Math.Max(10, options.MemoryUsageLimitPercentage - 10);
        });
        // One silo finds every grain in its own directory: a cache of where grains are is one more entry per
        // activation (~170 B a resident visitor, measured) and saves nothing. A cluster keeps Orleans' LRU cache.
        var singleSilo = !ClusterSettings.From(configuration).IsCluster;
        silo.Configure<GrainDirectoryOptions>(options => options.CachingStrategy = configuration.GetValue("Orleans:DirectoryCaching",
            singleSilo ? GrainDirectoryOptions.CachingStrategyType.None : options.CachingStrategy));
        return silo;
    }

    /// <summary>The services grains and API share: the journal store, the site cache and the clock.</summary>
    public static IServiceCollection AddVisitorGrainsServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection("Storage")).PostConfigure(options =>
        {
            if (string.IsNullOrEmpty(options.Path))
            {
                options.Path = DataPaths.Database(configuration);
            }
        });
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<ClusterSettings>().Bind(configuration.GetSection("Cluster"));
        if (ClusterSettings.From(configuration).IsCluster)
        {
            services.TryAddSingleton(sp => NpgsqlDataSource.Create(sp.GetRequiredService<IOptions<ClusterSettings>>().Value.Postgres!));
            services.TryAddSingleton<PostgresJournalStore>();
            services.TryAddSingleton<IJournalStore>(sp => sp.GetRequiredService<PostgresJournalStore>());
        }
        else
        {
            services.TryAddSingleton<SqliteJournalStore>();
            services.TryAddSingleton<IJournalStore>(sp => sp.GetRequiredService<SqliteJournalStore>());
        }

        services.TryAddSingleton<SiteDirectory>();
        return services;
    }

    /// <summary>
    /// The embedded default: localhost clustering (ports from Orleans:SiloPort and Orleans:GatewayPort).
    /// With Cluster:Postgres set: membership in PostgreSQL, the silo reachable at Cluster:AdvertisedAddress.
    /// </summary>
    public static ISiloBuilder UseVisitorGrainsClustering(this ISiloBuilder silo, IConfiguration configuration)
    {
        var siloPort = configuration.GetValue("Orleans:SiloPort", 11111);
        var gatewayPort = configuration.GetValue("Orleans:GatewayPort", 30000);
        var cluster = ClusterSettings.From(configuration);
        if (!cluster.IsCluster)
        {
            return silo.UseLocalhostClustering(siloPort, gatewayPort);
        }

        silo.Configure<ClusterOptions>(options =>
        {
            options.ClusterId = cluster.ClusterId;
            options.ServiceId = "visitorgrains";
        });
        silo.ConfigureEndpoints(IPAddress.Parse(cluster.AdvertisedAddress), siloPort, gatewayPort);
        silo.Services.AddSingleton<IMembershipTable, PostgresMembershipTable>();
        return silo;
    }

    /// <summary>An API node that is only a client of the cluster: it finds the gateways in the membership table.</summary>
    public static IClientBuilder UseVisitorGrainsCluster(this IClientBuilder client, IConfiguration configuration)
    {
        var cluster = ClusterSettings.From(configuration);
        client.Configure<ClusterOptions>(options =>
        {
            options.ClusterId = cluster.ClusterId;
            options.ServiceId = "visitorgrains";
        });
        client.Services.AddSingleton<IGatewayListProvider, PostgresGatewayListProvider>();
        return client;
    }
}
