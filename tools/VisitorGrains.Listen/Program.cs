using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

// Usage: dotnet run --project tools/VisitorGrains.Listen -- [--url URL] [--key KEY] [--site SITE] [--after SEQ]
// The key defaults to VG_ADMIN_KEY; the feed replays alerts after SEQ (0: everything retained), then stays live.
var options = ReadOptions(args);
var url = options.GetValueOrDefault("url", "http://127.0.0.1:5000");
var key = options.GetValueOrDefault("key", Environment.GetEnvironmentVariable("VG_ADMIN_KEY") ?? "");
var site = options.GetValueOrDefault("site", "demo");
var after = long.Parse(options.GetValueOrDefault("after", "0"), System.Globalization.CultureInfo.InvariantCulture);
if (key.Length == 0)
{
    Console.Error.WriteLine("Give an API key with --key (or set VG_ADMIN_KEY).");
    return 2;
}

var lastSeq = after;
await using var connection = new HubConnectionBuilder()
    .WithUrl(new Uri(new Uri(url), "/hubs/prospects"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(key))
    .WithAutomaticReconnect()
    .Build();
connection.On<JsonElement>("alert", alert =>
{
    lastSeq = alert.GetProperty("seq").GetInt64();
    var company = alert.GetProperty("company");
    var reasons = string.Join(", ", alert.GetProperty("reasons").EnumerateArray()
        .Select(r => $"{r.GetProperty("signal").GetString()} +{r.GetProperty("points").GetInt32()}"));
    Console.WriteLine($"#{lastSeq} {alert.GetProperty("at").GetString()} {alert.GetProperty("rule").GetString()}: " +
                      $"{company.GetProperty("name").GetString()} is {alert.GetProperty("temperature").GetString()} " +
                      $"(score {alert.GetProperty("score").GetInt32()}; {reasons})");
});
// After a dropped connection, pick up where we were: the feed sends what was missed, in order, once.
connection.Reconnected += _ => connection.InvokeAsync("Subscribe", site, lastSeq);

await connection.StartAsync();
await connection.InvokeAsync("Subscribe", site, after);
Console.WriteLine($"Listening to '{site}' on {url} (Ctrl+C to stop)");
var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.TrySetResult();
};
await stop.Task;
return 0;

static Dictionary<string, string> ReadOptions(string[] args)
{
    var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    for (var i = 0; i + 1 < args.Length; i += 2)
    {
        options[args[i].TrimStart('-')] = args[i + 1];
    }

    return options;
}
