using System.Buffers;

namespace Gateway.Streaming;

/// <summary>
/// Frames server-sent events out of a byte sequence without copying them, per the WHATWG
/// event-stream grammar: lines end in CRLF, LF or CR; a blank line ends an event; lines starting
/// with ':' are comments; "data" lines are joined with LF. The raw bytes of each event are handed
/// back untouched so they can be forwarded as they came (DESIGN.md decision 2).
/// </summary>
/// <remarks>
/// Holds state between calls so that an event arriving in many reads is scanned once: the caller
/// passes the buffer from the start of the pending event each time (PipeReader.AdvanceTo(start, end)),
/// and only bytes after <see cref="_scanned"/> are looked at again.
/// </remarks>
internal sealed class SseEventReader
{
    private static ReadOnlySpan<byte> LineEnds => "\r\n"u8;

    private long _scanned;
    private long _data0Start = -1;
    private long _data0Length;
    private List<(long Start, long Length)>? _moreData;
    private bool _isErrorEvent;
    private bool _hasFields;
    private byte[] _joined = [];

    /// <summary>
    /// Takes the next complete event from the front of <paramref name="buffer"/>. Returns false when
    /// more bytes are needed; the caller then keeps the buffer (it has been examined to the end).
    /// </summary>
    public bool TryRead(in ReadOnlySequence<byte> buffer, bool isFinalBlock, out SseEvent evt)
    {
        var reader = new SequenceReader<byte>(buffer);
        reader.Advance(_scanned);
        while (true)
        {
            var lineStart = reader.Consumed;
            if (!reader.TryAdvanceToAny(LineEnds, advancePastDelimiter: false))
            {
                _scanned = lineStart;
                evt = default;
                return false;
            }
            var lineEnd = reader.Consumed;
            reader.TryRead(out var terminator);
            if (terminator == (byte)'\r')
            {
                if (reader.End)
                {
                    if (!isFinalBlock)
                    {
                        // A CR at the end of what has arrived may be the first half of a CRLF.
                        _scanned = lineStart;
                        evt = default;
                        return false;
                    }
                }
                else if (reader.TryPeek(out var next) && next == (byte)'\n')
                {
                    reader.Advance(1);
                }
            }
            if (lineEnd == lineStart)
            {
                evt = new SseEvent(buffer.Slice(0, reader.Consumed), Data(buffer), _data0Start >= 0, _isErrorEvent, _hasFields);
                Reset();
                return true;
            }
            ProcessLine(buffer.Slice(lineStart, lineEnd - lineStart), lineStart);
        }
    }

    /// <summary>Forgets any partly read event (used when a stream is abandoned).</summary>
    public void Reset()
    {
        _scanned = 0;
        _data0Start = -1;
        _data0Length = 0;
        _moreData?.Clear();
        _isErrorEvent = false;
        _hasFields = false;
    }

    private void ProcessLine(ReadOnlySequence<byte> line, long offset)
    {
        var first = line.FirstSpan[0];
        if (first == (byte)':') return; // comment
        _hasFields = true;
        var colon = line.PositionOf((byte)':');
        ReadOnlySequence<byte> field;
        long valueStart, valueLength;
        if (colon is null)
        {
            field = line;
            valueStart = offset + line.Length;
            valueLength = 0;
        }
        else
        {
            field = line.Slice(0, colon.Value);
            var fieldLength = field.Length;
            valueStart = offset + fieldLength + 1;
            valueLength = line.Length - fieldLength - 1;
            // Spec: "If value starts with a U+0020 SPACE character, remove it from value."
            if (valueLength > 0 && line.Slice(fieldLength + 1, 1).FirstSpan[0] == (byte)' ')
            {
                valueStart++;
                valueLength--;
            }
        }
        if (FieldIs(field, "data"u8))
        {
            if (_data0Start < 0)
            {
                _data0Start = valueStart;
                _data0Length = valueLength;
            }
            else
            {
                (_moreData ??= []).Add((valueStart, valueLength));
            }
        }
        else if (FieldIs(field, "event"u8))
        {
            _isErrorEvent = valueLength == 5 && FieldIs(line.Slice(valueStart - offset, 5), "error"u8);
        }
    }

    private static bool FieldIs(in ReadOnlySequence<byte> field, ReadOnlySpan<byte> name)
    {
        if (field.Length != name.Length) return false;
        if (field.IsSingleSegment) return field.FirstSpan.SequenceEqual(name);
        Span<byte> tmp = stackalloc byte[16];
        if (name.Length > tmp.Length) return false;
        field.CopyTo(tmp);
        return tmp[..name.Length].SequenceEqual(name);
    }

    private ReadOnlySequence<byte> Data(in ReadOnlySequence<byte> buffer)
    {
        if (_data0Start < 0) return ReadOnlySequence<byte>.Empty;
        var first = buffer.Slice(_data0Start, _data0Length);
        if (_moreData is null || _moreData.Count == 0) return first;

        // Spec: data lines are joined with a single LF. Rare in LLM streams, so copying is fine here.
        var total = _data0Length;
        foreach (var (_, length) in _moreData) total += 1 + length;
        if (_joined.Length < total) _joined = new byte[Math.Max(total, _joined.Length * 2)];
        first.CopyTo(_joined);
        var at = (int)_data0Length;
        foreach (var (start, length) in _moreData)
        {
            _joined[at++] = (byte)'\n';
            buffer.Slice(start, length).CopyTo(_joined.AsSpan(at));
            at += (int)length;
        }
        return new ReadOnlySequence<byte>(_joined, 0, at);
    }
}

/// <summary>One framed event: its raw bytes (terminating blank line included) and its joined data.</summary>
internal readonly struct SseEvent(ReadOnlySequence<byte> raw, ReadOnlySequence<byte> data, bool hasData, bool isErrorEvent, bool hasFields)
{
    public ReadOnlySequence<byte> Raw { get; } = raw;
    public ReadOnlySequence<byte> Data { get; } = data;
    public bool HasData { get; } = hasData;
    /// <summary>The event carried <c>event: error</c>.</summary>
    public bool IsErrorEvent { get; } = isErrorEvent;
    /// <summary>False for events made only of comments or blank lines (keepalives).</summary>
    public bool HasFields { get; } = hasFields;

    public bool IsDone
    {
        get
        {
            if (Data.Length != 6) return false;
            if (Data.IsSingleSegment) return Data.FirstSpan.SequenceEqual("[DONE]"u8);
            Span<byte> tmp = stackalloc byte[6];
            Data.CopyTo(tmp);
            return tmp.SequenceEqual("[DONE]"u8);
        }
    }
}
