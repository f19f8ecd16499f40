using VisitorGrains.Grains.Postgres;
using VisitorGrains.Grains.Hosting;

namespace VisitorGrains.Api.Hosting;

/// <summary>
/// Builds an API node. The embedded default co-hosts a silo with SQLite under VG_DATA. With
/// Cluster:Postgres set it joins a cluster: co-hosting a silo (Cluster:ApiRole=silo, the default) or as
/// an Orleans client of the silos (Cluster:ApiRole=client).
/// </summary>
public static class VisitorGrainsApp
{
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Settings files sit beside the binaries; data goes where the process runs (VG_DATA, ./data).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        if (ClusterSettings.From(builder.Configuration).ApiIsClient)
        {
            builder.UseOrleansClient(client => client
                .UseVisitorGrainsCluster(builder.Configuration)
                .AddAdminDashboard(builder.Configuration));
        }
        else
        {
            builder.UseOrleans(silo => silo
                .UseVisitorGrainsClustering(builder.Configuration)
                .AddVisitorGrains(builder.Configuration)
                .AddAdminDashboard(builder.Configuration));
        }

        builder.Services.AddApiServices(builder.Configuration);

        var app = builder.Build();
        // Open the IP databases and read the lists now, not on the first page view.
        app.Services.GetRequiredService<VisitorGrains.Domain.Identifying.CompanyIdentifier>();
        app.Services.GetRequiredService<VisitorGrains.Domain.Collecting.BotFilter>();
        app.MapVisitorGrains();
        return app;
    }
}
