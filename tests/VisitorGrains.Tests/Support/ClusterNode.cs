using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace VisitorGrains.Tests.Support;

/// <summary>
/// One process of a cluster under test: a standalone silo (VisitorGrains.Silo) or an API node, on a
/// real PostgreSQL database. Killing one is SIGKILL: no shutdown, no deactivation, no checkpoint.
/// </summary>
public sealed class ClusterNode : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output;

    private ClusterNode(string name, Process process, ConcurrentQueue<string> output, Uri? address)
    {
        Name = name;
        _process = process;
        _output = output;
        Address = address;
    }

    public string Name { get; }

    /// <summary>The API's address; null for a silo.</summary>
    public Uri? Address { get; }

    /// <summary>The process's last lines, for a failing test's message.</summary>
    public string Output => string.Join('\n', _output);

    public static Task<ClusterNode> StartSiloAsync(string name, string postgres, string adminKey, string dataDirectory) =>
        StartAsync(name, "VisitorGrains.Silo.dll", [], postgres, adminKey, dataDirectory, new()
        {
            ["Orleans__SiloPort"] = Ports.Free().ToString(CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = Ports.Free().ToString(CultureInfo.InvariantCulture),
        });

    /// <summary>An API node that is an Orleans client of the cluster's silos.</summary>
    public static Task<ClusterNode> StartApiAsync(string name, string postgres, string adminKey, string dataDirectory) =>
        StartAsync(name, "VisitorGrains.Api.dll", ["--urls", "http://127.0.0.1:0"], postgres, adminKey, dataDirectory, new()
        {
            ["Cluster__ApiRole"] = "client",
            ["Identification__ReverseDns"] = "false",
        });

    private static async Task<ClusterNode> StartAsync(string name, string dll, string[] args, string postgres, string adminKey,
        string dataDirectory, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, dll), .. args])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["VG_DATA"] = dataDirectory;
        start.Environment["VG_ADMIN_KEY"] = adminKey;
        start.Environment["Cluster__Postgres"] = postgres;
        start.Environment["Dashboard__Enabled"] = "true"; // ClusterTests reads it
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var output = new ConcurrentQueue<string>();
        var process = Process.Start(start)!;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Uri? address = null;
        void Read(string? line)
        {
            if (line is null)
            {
                return;
            }

            output.Enqueue(line);
            while (output.Count > 200)
            {
                output.TryDequeue(out _);
            }

            const string marker = "Now listening on: ";
            if (line.IndexOf(marker, StringComparison.Ordinal) is >= 0 and var at)
            {
                address = new Uri(line[(at + marker.Length)..].Trim());
            }

            if (line.Contains("Application started", StringComparison.Ordinal))
            {
                started.TrySetResult();
            }
        }

        process.OutputDataReceived += (_, e) => Read(e.Data);
        process.ErrorDataReceived += (_, e) => Read(e.Data);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => started.TrySetException(new InvalidOperationException($"{name} exited while starting:\n{string.Join('\n', output)}"));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await started.Task.WaitAsync(TimeSpan.FromSeconds(90));
            return new ClusterNode(name, process, output, address);
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

    public HttpClient Client(string? key = null, TimeSpan? timeout = null)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = timeout ?? TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        }

        return client;
    }

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
