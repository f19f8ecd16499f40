using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using VisitorGrains.Domain.Sites;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Access;
using VisitorGrains.Grains.Storage;

namespace VisitorGrains.Grains.Hosting;

/// <summary>
/// Runs when the silo starts, before it serves requests: wakes the grains whose journals hold entries
/// past their checkpoint (after a crash they owe their company or feed a message), and on an empty
/// store creates the demo site and an admin credential.
/// </summary>
public sealed class Bootstrap(IJournalStore store, IGrainFactory grains, JournalRecovery recovery, IConfiguration configuration,
    TimeProvider time, ILogger<Bootstrap> log) : IStartupTask
{
    public const string DemoSite = "demo";

    public async Task Execute(CancellationToken cancellationToken)
    {
        await recovery.RecoverAsync(cancellationToken);
        await CreateDemoSiteAsync(cancellationToken);
        await CreateAdminKeyAsync(cancellationToken);
    }

    private async Task CreateDemoSiteAsync(CancellationToken cancellationToken)
    {
        if ((await store.StreamsAsync(StreamNames.SitePrefix, 1, cancellationToken)).Count > 0)
        {
            return;
        }

        var site = grains.GetGrain<ISiteGrain>(DemoSite);
        await site.SaveSettingsAsync("Demo", ["http://localhost:*", "http://127.0.0.1:*"], SiteDefinition.DefaultSlaMinutes, null);
        log.LogInformation("Created the '{Site}' site with the default rules", DemoSite);
    }

    private async Task CreateAdminKeyAsync(CancellationToken cancellationToken)
    {
        if (configuration["VG_ADMIN_KEY"] is { Length: > 0 })
        {
            return;
        }

        var file = DataPaths.AdminKeyFile(configuration);
        if (File.Exists(file) || (await store.StreamsAsync(StreamNames.KeyPrefix, 1, cancellationToken)).Count > 0)
        {
            return;
        }

        // The file first, readable by its owner only from its creation: a key stored but never written
        // down would lock everyone out.
        var key = ApiKeys.New();
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var secret = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            secret.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var writer = new StreamWriter(file, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), secret))
        {
            await writer.WriteLineAsync(key);
        }

        await grains.GetGrain<IApiKeyGrain>(ApiKeys.Hash(key)).CreateAsync(new ApiKeyRecord
        {
            Role = Roles.Admin,
            Sites = [Roles.AnySite],
            User = "admin",
            CreatedAt = time.GetUtcNow(),
        });

        log.LogWarning("Created the first admin API key; it is in {File}. Keep it secret, and delete the file once saved elsewhere.", file);
    }
}
