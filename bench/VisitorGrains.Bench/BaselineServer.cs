namespace VisitorGrains.Bench;

/// <summary>The bare baseline: Kestrel reads the POST body and answers 202, nothing else.</summary>
public static class BaselineServer
{
    public static async Task RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/collect", async (HttpContext http) =>
        {
            var local = new byte[8192];
            while (await http.Request.Body.ReadAsync(local) > 0)
            {
            }

            return Results.StatusCode(StatusCodes.Status202Accepted);
        });
        app.MapGet("/healthz", () => "ok");
        await app.RunAsync();
    }
}
