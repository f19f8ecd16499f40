using Microsoft.Extensions.Configuration;

namespace VisitorGrains.Grains.Hosting;

/// <summary>Where the embedded default keeps its files: VG_DATA, or ./data where it runs.</summary>
public static class DataPaths
{
    public static string DataDirectory(IConfiguration configuration) =>
        Path.GetFullPath(configuration["VG_DATA"] is { Length: > 0 } dir ? dir : "data");

    public static string Database(IConfiguration configuration) => Path.Combine(DataDirectory(configuration), "visitorgrains.db");

    public static string AdminKeyFile(IConfiguration configuration) => Path.Combine(DataDirectory(configuration), "admin-key.txt");
}
