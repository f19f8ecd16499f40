using VisitorGrains.Grains.Hosting;

namespace VisitorGrains.Api.Hosting;

/// <summary>Builds the embedded default: the API with a co-hosted silo and SQLite under VG_DATA.</summary>
public static class VisitorGrainsApp
{
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Settings files sit beside the binaries; data goes where the process runs (VG_DATA, ./data).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        builder.UseOrleans(silo => silo
            .UseEmbeddedClustering(builder.Configuration)
            .AddVisitorGrains(builder.Configuration));
        builder.Services.AddApiServices(builder.Configuration);

        var app = builder.Build();
        // Open the IP databases and read the lists now, not on the first page view.
        app.Services.GetRequiredService<VisitorGrains.Domain.Identifying.CompanyIdentifier>();
        app.Services.GetRequiredService<VisitorGrains.Domain.Collecting.BotFilter>();
        app.MapVisitorGrains();
        return app;
    }
}
