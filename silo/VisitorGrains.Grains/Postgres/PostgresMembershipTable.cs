using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Serialization;

namespace VisitorGrains.Grains.Postgres;

/// <summary>
/// Orleans' membership table in PostgreSQL (our own provider: two small tables from schema.sql). Each
/// silo incarnation is a row holding Orleans' serialized <see cref="MembershipEntry"/> and an etag; the
/// cluster's version row carries the table version and its etag. Inserts and updates check both etags
/// and bump both in one transaction, which is the optimistic concurrency the membership protocol needs.
/// </summary>
public sealed class PostgresMembershipTable(NpgsqlDataSource data, Serializer serializer, IOptions<ClusterSettings> settings,
    ILogger<PostgresMembershipTable> log) : IMembershipTable
{
    private string ClusterId => settings.Value.ClusterId;

    public async Task InitializeMembershipTable(bool tryInitTableVersion)
    {
        await PostgresSchema.EnsureAsync(data);
        if (tryInitTableVersion)
        {
            await using var command = data.CreateCommand("""
                INSERT INTO vg_cluster_version (cluster_id, version, etag) VALUES (@cluster, 0, 0)
                ON CONFLICT (cluster_id) DO NOTHING
                """);
            command.Parameters.AddWithValue("cluster", ClusterId);
            await command.ExecuteNonQueryAsync();
        }
    }

    public async Task DeleteMembershipTableEntries(string clusterId)
    {
        await using var batch = data.CreateBatch();
        batch.BatchCommands.Add(ForCluster("DELETE FROM vg_cluster_member WHERE cluster_id = @cluster", clusterId));
        batch.BatchCommands.Add(ForCluster("DELETE FROM vg_cluster_version WHERE cluster_id = @cluster", clusterId));
        await batch.ExecuteNonQueryAsync();
    }

    public async Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate)
    {
        await using var command = data.CreateCommand("""
            DELETE FROM vg_cluster_member WHERE cluster_id = @cluster AND status = 'Dead' AND i_am_alive < @before
            """);
        command.Parameters.AddWithValue("cluster", ClusterId);
        command.Parameters.AddWithValue("before", beforeDate.UtcDateTime);
        var removed = await command.ExecuteNonQueryAsync();
        log.LogDebug("Removed {Count} defunct silo entries", removed);
    }

    public Task<MembershipTableData> ReadRow(SiloAddress key) => ReadAsync(key);

    public Task<MembershipTableData> ReadAll() => ReadAsync(null);

    public async Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion)
    {
        await using var connection = await data.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        if (!await BumpVersionAsync(connection, tx, tableVersion))
        {
            return false;
        }

        await using var insert = new NpgsqlCommand("""
            INSERT INTO vg_cluster_member (cluster_id, address, entry, etag, status, gateway, silo_name, i_am_alive)
            VALUES (@cluster, @address, @entry, 0, @status, @gateway, @name, @alive)
            ON CONFLICT (cluster_id, address) DO NOTHING
            """, connection, tx);
        AddEntry(insert, entry);
        if (await insert.ExecuteNonQueryAsync() == 0)
        {
            return false;
        }

        await tx.CommitAsync();
        return true;
    }

    public async Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion)
    {
        if (!long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var expected))
        {
            return false;
        }

        await using var connection = await data.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        if (!await BumpVersionAsync(connection, tx, tableVersion))
        {
            return false;
        }

        await using var update = new NpgsqlCommand("""
            UPDATE vg_cluster_member
            SET entry = @entry, etag = etag + 1, status = @status, gateway = @gateway, silo_name = @name, i_am_alive = @alive
            WHERE cluster_id = @cluster AND address = @address AND etag = @etag
            """, connection, tx);
        AddEntry(update, entry);
        update.Parameters.AddWithValue("etag", expected);
        if (await update.ExecuteNonQueryAsync() == 0)
        {
            return false;
        }

        await tx.CommitAsync();
        return true;
    }

    public async Task UpdateIAmAlive(MembershipEntry entry)
    {
        // Only the time: the entry's other fields belong to the protocol's etag-checked updates. The
        // stored entry is rewritten with the new time so that readers see it, without touching the etag.
        await using var connection = await data.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var read = new NpgsqlCommand(
            "SELECT entry FROM vg_cluster_member WHERE cluster_id = @cluster AND address = @address FOR UPDATE", connection, tx);
        read.Parameters.AddWithValue("cluster", ClusterId);
        read.Parameters.AddWithValue("address", entry.SiloAddress.ToParsableString());
        if (await read.ExecuteScalarAsync() is not byte[] stored)
        {
            return;
        }

        var current = serializer.Deserialize<MembershipEntry>(stored)!;
        current.IAmAliveTime = entry.IAmAliveTime;
        await using var update = new NpgsqlCommand(
            "UPDATE vg_cluster_member SET entry = @entry, i_am_alive = @alive WHERE cluster_id = @cluster AND address = @address",
            connection, tx);
        update.Parameters.AddWithValue("cluster", ClusterId);
        update.Parameters.AddWithValue("address", entry.SiloAddress.ToParsableString());
        update.Parameters.AddWithValue("entry", serializer.SerializeToArray(current));
        update.Parameters.AddWithValue("alive", DateTime.SpecifyKind(entry.IAmAliveTime, DateTimeKind.Utc));
        await update.ExecuteNonQueryAsync();
        await tx.CommitAsync();
    }

    private async Task<MembershipTableData> ReadAsync(SiloAddress? key)
    {
        await using var connection = await data.OpenConnectionAsync();
        // The rows and the version as of one moment.
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
        TableVersion version;
        await using (var command = new NpgsqlCommand("SELECT version, etag FROM vg_cluster_version WHERE cluster_id = @cluster", connection, tx))
        {
            command.Parameters.AddWithValue("cluster", ClusterId);
            await using var reader = await command.ExecuteReaderAsync();
            version = await reader.ReadAsync()
                ? new TableVersion(reader.GetInt32(0), reader.GetInt64(1).ToString(CultureInfo.InvariantCulture))
                : new TableVersion(0, "0");
        }

        var rows = new List<Tuple<MembershipEntry, string>>();
        await using (var command = new NpgsqlCommand(
            key is null
                ? "SELECT entry, etag FROM vg_cluster_member WHERE cluster_id = @cluster"
                : "SELECT entry, etag FROM vg_cluster_member WHERE cluster_id = @cluster AND address = @address",
            connection, tx))
        {
            command.Parameters.AddWithValue("cluster", ClusterId);
            if (key is not null)
            {
                command.Parameters.AddWithValue("address", key.ToParsableString());
            }

            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var entry = serializer.Deserialize<MembershipEntry>((byte[])reader.GetValue(0))!;
                rows.Add(Tuple.Create(entry, reader.GetInt64(1).ToString(CultureInfo.InvariantCulture)));
            }
        }

        await tx.CommitAsync();
        return new MembershipTableData(rows, version);
    }

    /// <summary>Moves the table version on, if nobody else has since the caller read it.</summary>
    private async Task<bool> BumpVersionAsync(NpgsqlConnection connection, NpgsqlTransaction tx, TableVersion tableVersion)
    {
        if (!long.TryParse(tableVersion.VersionEtag, NumberStyles.None, CultureInfo.InvariantCulture, out var etag))
        {
            return false;
        }

        await using var command = new NpgsqlCommand("""
            UPDATE vg_cluster_version SET version = @version, etag = etag + 1
            WHERE cluster_id = @cluster AND etag = @etag
            """, connection, tx);
        command.Parameters.AddWithValue("cluster", ClusterId);
        command.Parameters.AddWithValue("version", tableVersion.Version);
        command.Parameters.AddWithValue("etag", etag);
        return await command.ExecuteNonQueryAsync() == 1;
    }

    private void AddEntry(NpgsqlCommand command, MembershipEntry entry)
    {
        command.Parameters.AddWithValue("cluster", ClusterId);
        command.Parameters.AddWithValue("address", entry.SiloAddress.ToParsableString());
        command.Parameters.AddWithValue("entry", serializer.SerializeToArray(entry));
        command.Parameters.AddWithValue("status", entry.Status.ToString());
        command.Parameters.AddWithValue("gateway", entry.Status == SiloStatus.Active && entry.ProxyPort > 0
            ? SiloAddress.New(entry.SiloAddress.Endpoint.Address, entry.ProxyPort, entry.SiloAddress.Generation).ToGatewayUri().ToString()
            : DBNull.Value);
        command.Parameters.AddWithValue("name", entry.SiloName ?? "");
        command.Parameters.AddWithValue("alive", DateTime.SpecifyKind(
            entry.IAmAliveTime == default ? entry.StartTime : entry.IAmAliveTime, DateTimeKind.Utc));
    }

    private static NpgsqlBatchCommand ForCluster(string sql, string clusterId)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddWithValue("cluster", clusterId);
        return command;
    }
}
