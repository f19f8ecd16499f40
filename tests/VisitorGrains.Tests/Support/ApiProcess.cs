using System.Diagnostics;
using System.Globalization;

namespace VisitorGrains.Tests.Support;

/// <summary>
/// The API as its own process (dotnet VisitorGrains.Api.dll), so that it can be killed for real, or
/// stopped as a service manager stops it (SIGTERM).
/// </summary>
public sealed class ApiProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _shuttingDown;

    private ApiProcess(Process process, Uri address, TaskCompletionSource shuttingDown)
    {
        _process = process;
        Address = address;
        _shuttingDown = shuttingDown;
    }

    public Uri Address { get; }

    public int Id => _process.Id;

    /// <summary>Completes when the host says it is shutting down (it has taken the signal; Kestrel accepts no new connections).</summary>
    public Task ShuttingDown => _shuttingDown.Task;

    public static async Task<ApiProcess> StartAsync(string dataDirectory, string adminKey)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "VisitorGrains.Api.dll");
        // Port 0: the process picks its own and says where it listens, so parallel tests never share one.
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", "http://127.0.0.1:0"])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["VG_DATA"] = dataDirectory;
        start.Environment["VG_ADMIN_KEY"] = adminKey;
        start.Environment["Orleans__SiloPort"] = Ports.Free().ToString(CultureInfo.InvariantCulture);
        start.Environment["Orleans__GatewayPort"] = Ports.Free().ToString(CultureInfo.InvariantCulture);
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        var process = Process.Start(start)!;
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var shuttingDown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            const string marker = "Now listening on: ";
            if (e.Data?.IndexOf(marker, StringComparison.Ordinal) is >= 0 and var at)
            {
                listening.TrySetResult(new Uri(e.Data[(at + marker.Length)..].Trim()));
            }
            else if (e.Data?.Contains("Application is shutting down", StringComparison.Ordinal) == true)
            {
                shuttingDown.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.Exited += (_, _) =>
        {
            listening.TrySetException(new InvalidOperationException("The API exited while starting."));
            shuttingDown.TrySetException(new InvalidOperationException("The API exited without saying it was shutting down."));
        };
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            var address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
            using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
            (await http.GetAsync("/healthz")).EnsureSuccessStatusCode();
            return new ApiProcess(process, address, shuttingDown);
        }
        catch
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            throw;
        }
    }

    /// <summary>SIGTERM, as systemd, Docker and Kubernetes stop a service: the host's graceful shutdown.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Waits for the process to end by itself; false if it had not within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL: no shutdown hooks, no deactivation, no checkpoint.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
