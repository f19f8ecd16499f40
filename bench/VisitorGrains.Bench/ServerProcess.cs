using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace VisitorGrains.Bench;

/// <summary>A server under test, in its own process on a loopback port; stopped gracefully at the end.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    public const string AdminKey = "bench-admin-key";

    private readonly Process _process;
    private readonly string? _dataDirectory;

    private ServerProcess(Process process, Uri address, string? dataDirectory)
    {
        _process = process;
        Address = address;
        _dataDirectory = dataDirectory;
    }

    public Uri Address { get; }

    public int ProcessId => _process.Id;

    /// <summary>CPU time the server process has used so far (all its threads).</summary>
    public TimeSpan ProcessorTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public static Task<ServerProcess> StartBaselineAsync() =>
        StartAsync(Path.Combine(AppContext.BaseDirectory, "VisitorGrains.Bench.dll"), ["baseline"], new(), null);

    /// <summary>The durable floor (<see cref="BaselineServer"/>): the bare baseline plus one journal append per request.</summary>
    public static Task<ServerProcess> StartDurableFloorAsync()
    {
        var data = NewDataFolder();
        return StartAsync(Path.Combine(AppContext.BaseDirectory, "VisitorGrains.Bench.dll"), ["baseline", "durable", data], new(), data);
    }

    private static string NewDataFolder()
    {
        var data = Path.Combine(Path.GetTempPath(), "vg-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        return data;
    }

    public static Task<ServerProcess> StartApiAsync(ApiVariant variant, Action<string>? prepareData = null)
    {
        var data = NewDataFolder();
        prepareData?.Invoke(data);
        var environment = new Dictionary<string, string>
        {
            ["VG_DATA"] = data,
            ["VG_ADMIN_KEY"] = AdminKey,
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__VisitorGrains.Grains.Storage"] = "Information",
            // Zipf over visitors puts hundreds of page views a second on the busiest visitors' addresses,
            // far above what one real address sends; the per-site limit stays as shipped.
            ["RateLimits__PerIpPerSecond"] = "1000000",
            ["RateLimits__PerIpBurst"] = "1000000",
            // Identification runs in full, from the data folder's ip/ databases; no look-ups leave the machine.
            ["Identification__ReverseDns"] = "false",
            ["Orleans__SiloPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
        };
        // The variant's settings win: the flood run puts the shipped per-address limits back.
        foreach (var (key, value) in variant.Environment)
        {
            environment[key] = value;
        }

        return StartAsync(Path.Combine(AppContext.BaseDirectory, "VisitorGrains.Api.dll"), [], environment, data);
    }

    private static async Task<ServerProcess> StartAsync(string dll, string[] args, Dictionary<string, string> environment, string? data)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet", [dll, .. args, "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is { Length: > 0 }) Console.Error.WriteLine($"  server: {e.Data}"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 }) Console.Error.WriteLine($"  server: {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var address = new Uri($"http://127.0.0.1:{port}");
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(2) };
        for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline && !process.HasExited;)
        {
            try
            {
                if ((await http.GetAsync("/healthz")).IsSuccessStatusCode)
                {
                    return new ServerProcess(process, address, data);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                await Task.Delay(200);
            }
        }

        process.Kill(true);
        throw new InvalidOperationException($"{Path.GetFileName(dll)} did not start.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM: a graceful stop, as a user's service manager would do.
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(true);
            }
        }

        _process.Dispose();
        if (_dataDirectory is not null && Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
