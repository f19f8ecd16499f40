using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Messaging;

namespace VisitorGrains.Grains.Postgres;

/// <summary>For API nodes that are Orleans clients: the gateways of the cluster's active silos, from the membership table.</summary>
public sealed class PostgresGatewayListProvider(NpgsqlDataSource data, IOptions<ClusterSettings> settings) : IGatewayListProvider
{
    public TimeSpan MaxStaleness => TimeSpan.FromSeconds(10);

    public bool IsUpdatable => true;

    public Task InitializeGatewayListProvider() => PostgresSchema.EnsureAsync(data);

    public async Task<IList<Uri>> GetGateways()
    {
        await using var command = data.CreateCommand(
            "SELECT gateway FROM vg_cluster_member WHERE cluster_id = @cluster AND status = 'Active' AND gateway IS NOT NULL");
        command.Parameters.AddWithValue("cluster", settings.Value.ClusterId);
        var gateways = new List<Uri>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            gateways.Add(new Uri(reader.GetString(0)));
        }

        return gateways;
    }
}
