using Microsoft.Extensions.Configuration;

namespace VisitorGrains.Grains.Postgres;

/// <summary>Cluster mode's settings (section "Cluster").</summary>
public sealed class ClusterSettings
{
    /// <summary>
    /// The PostgreSQL connection string (Npgsql form: "Host=…;Port=…;Database=…;Username=…;Password=…").
    /// Set, it makes a cluster: journals and membership live there. Unset, the embedded default.
    /// </summary>
    public string? Postgres { get; set; }

    /// <summary>Which cluster the silos and clients join; several can share one database.</summary>
    public string ClusterId { get; set; } = "visitorgrains";

    /// <summary>The address other silos and clients reach this silo at.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>For an API node: "silo" co-hosts a silo that joins the cluster; "client" only calls it.</summary>
    public string ApiRole { get; set; } = "silo";

    public bool IsCluster => !string.IsNullOrWhiteSpace(Postgres);

    public static ClusterSettings From(IConfiguration configuration) =>
        configuration.GetSection("Cluster").Get<ClusterSettings>() ?? new ClusterSettings();

    public bool ApiIsClient => IsCluster && string.Equals(ApiRole, "client", StringComparison.OrdinalIgnoreCase);
}
