using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace VisitorGrains.Grains.Hosting;

/// <summary>
/// In a cluster, when a silo dies its grains come back on the survivors the next time they are called,
/// from their journals. Those not called again (a visitor who left, owing its company a contribution
/// from its outbox) are woken here: every surviving silo replays the pending journals once it sees a
/// silo declared dead.
/// </summary>
public sealed class ClusterRecovery(IClusterMembershipService membership, JournalRecovery recovery, ILogger<ClusterRecovery> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var dead = new HashSet<SiloAddress>();
        var first = true;
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                var newlyDead = snapshot.Members.Values
                    .Where(m => m.Status == SiloStatus.Dead && dead.Add(m.SiloAddress))
                    .Select(m => m.SiloAddress)
                    .ToList();
                // Silos dead before this one started were dealt with by its own start-up recovery.
                if (newlyDead.Count == 0 || first)
                {
                    first = false;
                    continue;
                }

                log.LogWarning("Silo(s) {Silos} died; replaying pending journals", string.Join(", ", newlyDead));
                try
                {
                    await recovery.RecoverAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    log.LogError(ex, "Recovery after a silo's death failed");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
