using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using VisitorGrains.Grains.Sites;
using VisitorGrains.Grains.Storage;

namespace VisitorGrains.Grains.Hosting;

/// <summary>Everything a silo of VisitorGrains needs, in one call.</summary>
public static class SiloBuilderExtensions
{
    public static ISiloBuilder AddVisitorGrains(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.Services.AddVisitorGrainsServices(configuration);
        silo.AddStartupTask<Bootstrap>();
        silo.Services.AddHostedService<HistoryRetention>();
        silo.Configure<GrainCollectionOptions>(options =>
        {
            options.CollectionAge = configuration.GetValue("Orleans:CollectionAge", TimeSpan.FromMinutes(15));
            // Visitors are the many: one idle for a few minutes has left the site; its state is a checkpoint
            // away. This bounds resident visitors to arrivals × this age, whatever the total.
            options.ClassSpecificCollectionAge[typeof(Journeys.VisitorGrain).FullName!] =
                configuration.GetValue("Orleans:VisitorCollectionAge", TimeSpan.FromMinutes(5));
            // And if memory runs short anyway, the least recently used activations go first.
            options.EnableActivationSheddingOnMemoryPressure = configuration.GetValue("Orleans:ShedOnMemoryPressure", true);
            options.MemoryUsageLimitPercentage = configuration.GetValue("Orleans:MemoryLimitPercent", 80);
            options.MemoryUsageTargetPercentage = Math.Max(10, options.MemoryUsageLimitPercentage - 10);
        });
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
        services.TryAddSingleton<SqliteJournalStore>();
        services.TryAddSingleton<IJournalStore>(sp => sp.GetRequiredService<SqliteJournalStore>());
        services.TryAddSingleton<SiteDirectory>();
        return services;
    }

    /// <summary>Localhost clustering for the embedded default; ports from Orleans:SiloPort and Orleans:GatewayPort.</summary>
    public static ISiloBuilder UseEmbeddedClustering(this ISiloBuilder silo, IConfiguration configuration) =>
        silo.UseLocalhostClustering(
            configuration.GetValue("Orleans:SiloPort", 11111),
            configuration.GetValue("Orleans:GatewayPort", 30000));
}
