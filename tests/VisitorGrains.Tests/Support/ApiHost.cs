using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VisitorGrains.Api.Hosting;

namespace VisitorGrains.Tests.Support;

/// <summary>The real product in this process: Kestrel on a loopback port, a co-hosted silo, SQLite in a folder.</summary>
public sealed class ApiHost : IAsyncDisposable
{
    public const string AdminKey = "test-admin-key";

    private readonly WebApplication _app;

    private ApiHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
        Admin = Client(AdminKey);
    }

    public Uri Address { get; }

    /// <summary>The host's services (its grain factory among them), for looking behind the API.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>A client with the admin key.</summary>
    public HttpClient Admin { get; }

    public static async Task<ApiHost> StartAsync(string dataDirectory, IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var app = VisitorGrainsApp.Create(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["VG_DATA"] = dataDirectory,
                ["VG_ADMIN_KEY"] = AdminKey,
                ["Orleans:SiloPort"] = Ports.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Orleans:GatewayPort"] = Ports.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
                // No look-ups leave the machine in tests: a test that needs reverse DNS brings a fake resolver.
                ["Identification:ReverseDns"] = "false",
            });
            services?.Invoke(builder.Services);
            builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await app.StartAsync();
        return new ApiHost(app, new Uri(app.Urls.First()));
    }

    public HttpClient Client(string? key = null)
    {
        var client = new HttpClient { BaseAddress = Address };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    /// <summary>Posts a collect body as the tracker does (text/plain), from the given client address.</summary>
    public async Task<HttpResponseMessage> CollectAsync(string body, string? clientIp = null, string? origin = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/collect") { Content = new StringContent(body, Encoding.UTF8, "text/plain") };
        if (clientIp is not null)
        {
            request.Headers.Add("X-Forwarded-For", clientIp);
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        using var client = Client();
        return await client.SendAsync(request);
    }

    public async Task<string> CreateKeyAsync(string role, params string[] sites)
    {
        var response = await Admin.PostAsJsonAsync("/api/keys", new { role, sites, user = $"{role}-user" });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    public async Task<HubConnection> ConnectHubAsync(string key)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(Address, "/hubs/prospects"), options => options.AccessTokenProvider = () => Task.FromResult<string?>(key))
            .Build();
        await connection.StartAsync();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
