using System.Buffers;
using System.IO.Pipelines;

namespace Gateway.Guardrails;

/// <summary>
/// The client's body writer for a flowing stream under output guardrails: every event goes through as it is
/// flushed, except the final <c>data: [DONE]</c> (and anything after it), which waits for the check. A check
/// that fails can then still end the stream with an error event instead of a clean end. Costs one copy of
/// each event.
/// </summary>
internal sealed class DoneHoldingWriter(PipeWriter client) : PipeWriter
{
    private readonly ArrayBufferWriter<byte> _pending = new(4096);
    private ArrayBufferWriter<byte>? _held;

    public PipeWriter Client => client;

    /// <summary>The held end of the stream; empty when it had no [DONE] (yet).</summary>
    public ReadOnlyMemory<byte> Held => _held?.WrittenMemory ?? default;

    public override void Advance(int bytes) => _pending.Advance(bytes);

    public override Memory<byte> GetMemory(int sizeHint = 0) => _pending.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => _pending.GetSpan(sizeHint);

    public override void CancelPendingFlush() => client.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => client.Complete(exception);

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        var written = _pending.WrittenSpan;
        var done = _held is null ? IndexOfDone(written) : 0;
        if (done >= 0)
        {
            _held ??= new ArrayBufferWriter<byte>(64);
            _held.Write(written[done..]);
            written = written[..done];
        }
        client.Write(written);
        _pending.ResetWrittenCount();
        return client.FlushAsync(cancellationToken);
    }

    /// <summary>Where the line <c>data: [DONE]</c> (or <c>data:[DONE]</c>) starts; -1 when there is none.</summary>
    internal static int IndexOfDone(ReadOnlySpan<byte> bytes)
    {
        var from = 0;
        while (from < bytes.Length)
        {
            var found = bytes[from..].IndexOf("[DONE]"u8);
            if (found < 0) return -1;
            var at = from + found;
            var lineStart = at;
            while (lineStart > 0 && bytes[lineStart - 1] is not ((byte)'\n' or (byte)'\r')) lineStart--;
            var prefix = bytes[lineStart..at];
            if (prefix.SequenceEqual("data: "u8) || prefix.SequenceEqual("data:"u8)) return lineStart;
            from = at + 6;
        }
        return -1;
    }
}
