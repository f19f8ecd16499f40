using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Storage;

namespace VisitorGrains.Api.Hosting;

/// <summary>
/// <c>/healthz</c>: the process answers. <c>/readyz</c>: it can do its work — grains answer (the silo has
/// joined) and storage can be read — each within a couple of seconds.
/// </summary>
public static class HealthEndpoints
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Text("ok")).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/readyz", ReadyAsync).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> ReadyAsync(IGrainFactory grains, IJournalStore store, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var failures = new Dictionary<string, string[]>();
        var log = loggers.CreateLogger(typeof(HealthEndpoints));
        await Check("grains", () => grains.GetGrain<ISiteGrain>("demo").GetVersionAsync(), failures, log, cancellationToken);
        await Check("storage", () => store.StreamsAsync(StreamNames.SitePrefix, 1, cancellationToken), failures, log, cancellationToken);
        return failures.Count == 0
            ? TypedResults.Text("ready")
            : TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready",
                extensions: new Dictionary<string, object?> { ["checks"] = failures });
    }

    private static async Task Check(string name, Func<Task> probe, Dictionary<string, string[]> failures, ILogger log, CancellationToken cancellationToken)
    {
        try
        {
            await probe().WaitAsync(CheckTimeout, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The answer is public: it says which check failed; the log says why.
            log.LogWarning(ex, "Readiness check {Check} failed", name);
            failures[name] = [ex is TimeoutException ? $"no answer within {CheckTimeout.TotalSeconds:0} s" : "failed (see the log)"];
        }
    }
}
