using System.Text.Json;
using Gateway.OpenAI;

namespace Gateway.Agents;

/// <summary>
/// The write end under <see cref="RelaySink"/>: keeps every byte of a streamed model turn and, as each
/// <c>data:</c> line completes, hands the text of its delta to the agent, so the client sees the model's words
/// as they arrive rather than when the turn ends. The SSE pump writes whole events and flushes each one.
/// </summary>
internal sealed class AgentRelayStream(Func<string, ValueTask> onText) : Stream
{
    private readonly MemoryStream _all = new();
    private int _scanned;

    public ReadOnlyMemory<byte> Content => _all.GetBuffer().AsMemory(0, (int)_all.Length);

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _all.Length;
    public override long Position { get => _all.Length; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => _all.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => _all.Write(buffer);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        _all.Write(buffer.Span);
        while (NextLine() is { } line)
        {
            if (TextOf(line) is { Length: > 0 } text) await onText(text).ConfigureAwait(false);
        }
    }

    /// <summary>The next complete line after what was scanned (CR LF or LF), or null.</summary>
    private byte[]? NextLine()
    {
        var all = Content.Span;
        var newline = all[_scanned..].IndexOf((byte)'\n');
        if (newline < 0) return null;
        var line = all.Slice(_scanned, newline).TrimEnd((byte)'\r').ToArray();
        _scanned += newline + 1;
        return line;
    }

    private static string? TextOf(byte[] line)
    {
        if (!line.AsSpan().StartsWith("data: {"u8)) return null;
        try
        {
            var chunk = JsonSerializer.Deserialize(line.AsSpan(6), OpenAIJsonContext.Wire.ChatCompletionChunk);
            return chunk is { Choices.Count: > 0 } ? chunk.Choices[0].Delta.Content : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
