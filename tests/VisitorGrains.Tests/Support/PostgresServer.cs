using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace VisitorGrains.Tests.Support;

/// <summary>
/// A real PostgreSQL server for the cluster tests, started once per test run with scripts/postgres.sh
/// (which installs Debian's postgresql when it is missing) on a free loopback port, and stopped when the
/// run ends. Each test gets a database of its own.
/// </summary>
public static class PostgresServer
{
    private static readonly Lazy<Task<string>> Server = new(StartAsync);

    /// <summary>A new, empty database; its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var server = await Server.Value;
        var name = "vg_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(server) { Database = name, Pooling = true }.ToString();
    }

    private static async Task<string> StartAsync()
    {
        var script = Path.Combine(RepositoryRoot(), "scripts", "postgres.sh");
        var dir = Path.Combine(Path.GetTempPath(), "vg-tests-postgres", Guid.NewGuid().ToString("N"));
        var port = Ports.Free().ToString(CultureInfo.InvariantCulture);
        var connection = (await RunAsync(script, "start", dir, port)).Trim().Split('\n')[^1];
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            RunAsync(script, "stop", dir).GetAwaiter().GetResult();
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        };
        return connection;
    }

    private static async Task<string> RunAsync(string script, params string[] args)
    {
        var start = new ProcessStartInfo("bash", [script, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"postgres.sh {string.Join(' ', args)} failed: {await error}");
        }

        return await output;
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VisitorGrains.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root above " + AppContext.BaseDirectory);
    }
}
