using Microsoft.Extensions.Options;
using Orleans.Serialization;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Storage;

namespace VisitorGrains.Grains.Privacy;

/// <summary>The visitors that identified with one email on one site.</summary>
[GenerateSerializer]
public sealed class ContactState
{
    [Id(0)] public List<string> Visitors { get; set; } = [];
}

/// <summary>
/// One entry of a site's contact index, keyed by a hash of the email: the email itself is stored only
/// by the visitors. Small and written rarely (an identify), so every change is a checkpoint.
/// </summary>
public sealed class ContactGrain(IJournalStore store, Serializer serializer, IOptions<StorageOptions> options) : Grain, IContactGrain
{
    private Journal<ContactState, ContactState> _journal = null!;
    private ContactState _state = null!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _journal = new(store, serializer, StreamNames.Contact(this.GetPrimaryKeyString()), options.Value.CheckpointEvery);
        (var state, _) = await _journal.LoadAsync(cancellationToken);
        _state = state ?? new ContactState();
    }

    public async Task AddVisitorAsync(string visitor)
    {
        if (!_state.Visitors.Contains(visitor))
        {
            _state.Visitors.Add(visitor);
            await _journal.SaveAsync(_state);
        }
    }

    public async Task RemoveVisitorAsync(string visitor)
    {
        if (!_state.Visitors.Remove(visitor))
        {
            return;
        }

        if (_state.Visitors.Count == 0)
        {
            await _journal.DeleteAsync();
            DeactivateOnIdle();
        }
        else
        {
            await _journal.SaveAsync(_state);
        }
    }

    public Task<IReadOnlyList<string>> GetVisitorsAsync()
    {
        if (_state.Visitors.Count == 0)
        {
            DeactivateOnIdle();
        }

        return Task.FromResult<IReadOnlyList<string>>([.. _state.Visitors]);
    }
}
