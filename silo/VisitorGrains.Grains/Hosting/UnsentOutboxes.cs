using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Storage;

namespace VisitorGrains.Grains.Hosting;

/// <summary>
/// The visitors of this silo whose outbox is still being sent to their company in the background. A
/// graceful stop first lets them finish, while every company is still active: the silo then deactivates
/// all grains at once and takes no new activation, so a send still under way would find its company
/// going and leave the visitor with entries past its checkpoint (safe, recovery sends them at the next
/// start, but not a clean stop).
/// </summary>
public sealed class UnsentOutboxes(IGrainFactory grains, ILogger<UnsentOutboxes> log) : ILifecycleParticipant<ISiloLifecycle>
{
    private const int Rounds = 3;
    private readonly ConcurrentDictionary<string, byte> _sending = new();

    public int Count => _sending.Count;

    /// <summary>A visitor (named by its journal's stream) began sending its outbox.</summary>
    public void Sending(string stream) => _sending.TryAdd(stream, 0);

    /// <summary>A visitor's outbox is empty, or its shard let it go and its journal keeps what is unsent.</summary>
    public void Settled(string stream) => _sending.TryRemove(stream, out _);

    // The stop of the last stage runs first, before the silo's own stop steps.
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(UnsentOutboxes), ServiceLifecycleStage.Last, _ => Task.CompletedTask, FinishAsync);

    /// <summary>
    /// Asks each visitor still sending to finish, a few rounds at most: one whose company cannot be
    /// told now keeps its outbox in the journal.
    /// </summary>
    public async Task FinishAsync(CancellationToken cancellationToken)
    {
        for (var round = 0; round < Rounds && !_sending.IsEmpty && !cancellationToken.IsCancellationRequested; round++)
        {
            var visitors = _sending.Keys.ToList();
            log.LogInformation("Letting {Count} visitors finish telling their companies before the silo stops", visitors.Count);
            try
            {
                await Parallel.ForEachAsync(visitors, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken },
                    async (visitor, _) =>
                    {
                        try
                        {
                            await grains.Visitor(visitor[StreamNames.VisitorPrefix.Length..]).RecoverAsync();
                        }
                        catch (Exception ex)
                        {
                            log.LogWarning(ex, "Visitor {Visitor} did not finish sending before the stop; its journal keeps what is unsent", visitor);
                        }
                    });
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
