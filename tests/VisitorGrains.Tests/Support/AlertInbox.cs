using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;

namespace VisitorGrains.Tests.Support;

/// <summary>What a salesperson's SignalR client receives, in order.</summary>
public sealed class AlertInbox
{
    private readonly Channel<JsonElement> _alerts = Channel.CreateUnbounded<JsonElement>();

    public AlertInbox(HubConnection connection) => connection.On<JsonElement>("alert", alert => _alerts.Writer.TryWrite(alert));

    public async Task<JsonElement> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        return await _alerts.Reader.ReadAsync(cts.Token);
    }

    /// <summary>Waits a moment and returns whatever else arrived: for "exactly one" assertions.</summary>
    public async Task<List<JsonElement>> RestAsync(TimeSpan wait)
    {
        await Task.Delay(wait);
        var rest = new List<JsonElement>();
        while (_alerts.Reader.TryRead(out var alert))
        {
            rest.Add(alert);
        }

        return rest;
    }
}
