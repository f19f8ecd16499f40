using Microsoft.Extensions.Options;
using Orleans.Serialization;
using VisitorGrains.Grains.Abstractions;
using VisitorGrains.Grains.Storage;

namespace VisitorGrains.Grains.Access;

/// <summary>One API key, keyed by its hash: the key itself is never stored.</summary>
public sealed class ApiKeyGrain(IJournalStore store, Serializer serializer, IOptions<StorageOptions> options) : Grain, IApiKeyGrain
{
    private Journal<ApiKeyRecord, ApiKeyRecord> _journal = null!;
    private ApiKeyRecord? _record;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _journal = new(store, serializer, StreamNames.Key(this.GetPrimaryKeyString()), options.Value.CheckpointEvery);
        (_record, _) = await _journal.LoadAsync(cancellationToken);
    }

    public Task<ApiKeyRecord?> GetAsync() => Task.FromResult(_record is { Revoked: false } ? _record : null);

    public async Task CreateAsync(ApiKeyRecord record)
    {
        await _journal.SaveAsync(record);
        _record = record;
    }

    public async Task RevokeAsync()
    {
        if (_record is { Revoked: false } record)
        {
            var revoked = record with { Revoked = true };
            await _journal.SaveAsync(revoked);
            _record = revoked;
        }
    }
}
