using System.Reflection;
using Npgsql;

namespace VisitorGrains.Grains.Postgres;

/// <summary>Creates the tables (schema.sql, shipped inside this assembly) once per process, whichever part asks first.</summary>
public static class PostgresSchema
{
    // Any fixed number: silos starting together take turns, so CREATE … IF NOT EXISTS never races.
    private const long LockId = 0x5647_5343_4845_4D41;

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly HashSet<string> Ready = new(StringComparer.Ordinal);

    public static string Script
    {
        get
        {
            using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("VisitorGrains.Grains.Postgres.schema.sql")
                ?? throw new InvalidOperationException("schema.sql is missing from the assembly");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
    }

    public static async Task EnsureAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        var key = dataSource.ConnectionString;
        await Gate.WaitAsync(cancellationToken);
        try
        {
            if (Ready.Contains(key))
            {
                return;
            }

            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var tx = await connection.BeginTransactionAsync(cancellationToken);
            await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@id)", connection, tx))
            {
                lockCommand.Parameters.AddWithValue("id", LockId);
                await lockCommand.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var create = new NpgsqlCommand(Script, connection, tx))
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            await tx.CommitAsync(cancellationToken);
            Ready.Add(key);
        }
        finally
        {
            Gate.Release();
        }
    }
}
