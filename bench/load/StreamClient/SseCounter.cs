using System.Diagnostics;

namespace StreamClient;

/// <summary>
/// Reads an SSE response to its end and timestamps each event as the read that completes it returns.
/// Events end at a blank line (LF LF, which is what the gateway, the mock and OpenAI send); comment-only
/// events (keepalives) are not counted; <c>data: [DONE]</c> marks a complete stream.
/// </summary>
internal sealed class SseCounter
{
    private static ReadOnlySpan<byte> DonePrefix => "data: [DONE]"u8;

    private readonly byte[] _buffer = new byte[16 * 1024];
    private readonly byte[] _head = new byte[12];
    private int _headLength;
    private byte _previous;

    public bool SawDone { get; private set; }

    /// <summary>Calls <paramref name="onEvent"/> with the Stopwatch timestamp of each data event; returns the event count.</summary>
    public async Task<int> ReadAsync(Stream stream, Action<long> onEvent, CancellationToken ct)
    {
        SawDone = false;
        _headLength = 0;
        _previous = 0;
        var events = 0;
        while (true)
        {
            var n = await stream.ReadAsync(_buffer, ct).ConfigureAwait(false);
            if (n == 0) return events;
            var now = Stopwatch.GetTimestamp();
            for (var i = 0; i < n; i++)
            {
                var b = _buffer[i];
                if (b == (byte)'\n' && _previous == (byte)'\n')
                {
                    // Blank line: the event is complete.
                    if (_headLength > 0 && _head[0] != (byte)':')
                    {
                        events++;
                        if (_headLength == DonePrefix.Length && _head.AsSpan().SequenceEqual(DonePrefix)) SawDone = true;
                        onEvent(now);
                    }
                    _headLength = 0;
                    _previous = 0;
                    continue;
                }
                if (_headLength < _head.Length && !(b == (byte)'\n' && _headLength == 0)) _head[_headLength++] = b;
                _previous = b;
            }
        }
    }
}
