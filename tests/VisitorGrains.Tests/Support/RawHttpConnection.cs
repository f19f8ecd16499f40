using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace VisitorGrains.Tests.Support;

/// <summary>
/// HTTP/1.1 over a raw connection, for what HttpClient will not do: send half a body and wait, or ask
/// <c>Expect: 100-continue</c> and see the answer. Answers have a Content-Length body (or none).
/// </summary>
public sealed class RawHttpConnection(NetworkStream stream) : IDisposable
{
    private readonly List<byte> _received = [];

    public Task WriteAsync(string text, CancellationToken cancellationToken) => WriteAsync(Encoding.ASCII.GetBytes(text), cancellationToken);

    public async Task WriteAsync(byte[] bytes, CancellationToken cancellationToken) => await stream.WriteAsync(bytes, cancellationToken);

    public async Task<(string Head, string Body)> ReadAnswerAsync(CancellationToken cancellationToken)
    {
        int end;
        while ((end = IndexOfBlankLine()) < 0)
        {
            await FillAsync(cancellationToken);
        }

        var head = Encoding.ASCII.GetString(_received.GetRange(0, end + 2).ToArray());
        _received.RemoveRange(0, end + 4);
        var lengthLine = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        var length = lengthLine is null ? 0 : int.Parse(lengthLine["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
        Assert.True(lengthLine is not null || head.StartsWith("HTTP/1.1 100 ", StringComparison.Ordinal), $"the answer says its length: {head}");
        while (_received.Count < length)
        {
            await FillAsync(cancellationToken);
        }

        var body = Encoding.UTF8.GetString(_received.GetRange(0, length).ToArray());
        _received.RemoveRange(0, length);
        return (head, body);
    }

    public void Dispose() => stream.Dispose();

    private async Task FillAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer, cancellationToken);
        Assert.NotEqual(0, read);
        _received.AddRange(buffer.AsSpan(0, read).ToArray());
    }

    private int IndexOfBlankLine()
    {
        for (var i = 0; i + 3 < _received.Count; i++)
        {
            if (_received[i] == '\r' && _received[i + 1] == '\n' && _received[i + 2] == '\r' && _received[i + 3] == '\n')
            {
                return i;
            }
        }

        return -1;
    }
}
