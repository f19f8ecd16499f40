using VisitorGrains.Grains.Hosting;

namespace VisitorGrains.Api.Hosting;

/// <summary>Builds the embedded default: the API with a co-hosted silo and SQLite under VG_DATA.</summary>
public static class VisitorGrainsApp
{
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.UseOrleans(silo => silo
            .UseEmbeddedClustering(builder.Configuration)
            .AddVisitorGrains(builder.Configuration));
        builder.Services.AddApiServices(builder.Configuration);

        var app = builder.Build();
        app.MapVisitorGrains();
        return app;
    }
}
