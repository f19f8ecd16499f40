using Microsoft.Extensions.Options;
using Orleans.Serialization;
using VisitorGrains.Grains.Storage;

namespace VisitorGrains.Grains.Access;

/// <summary>A person who signs in to the web UI; the password only as a hash.</summary>
[GenerateSerializer, Immutable]
public sealed record UserRecord
{
    [Id(0)] public required string User { get; init; }
    [Id(1)] public required string PasswordHash { get; init; }
    [Id(2)] public required string Role { get; init; }
    [Id(3)] public required IReadOnlyList<string> Sites { get; init; }
    [Id(4)] public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>One user (key: the user name, lower-case).</summary>
public interface IUserGrain : IGrainWithStringKey
{
    Task<UserRecord?> GetAsync();

    /// <summary>Creates the user; false when the name is taken.</summary>
    Task<bool> CreateAsync(UserRecord record);
}

public sealed class UserGrain(IJournalStore store, Serializer serializer, IOptions<StorageOptions> options) : Grain, IUserGrain
{
    private Journal<UserRecord, UserRecord> _journal = null!;
    private UserRecord? _record;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _journal = new(store, serializer, StreamNames.User(this.GetPrimaryKeyString()), options.Value.CheckpointEvery);
        (_record, _) = await _journal.LoadAsync(cancellationToken);
    }

    public Task<UserRecord?> GetAsync() => Task.FromResult(_record);

    public async Task<bool> CreateAsync(UserRecord record)
    {
        if (_record is not null)
        {
            return false;
        }

        await _journal.SaveAsync(record);
        _record = record;
        return true;
    }
}
