using System.Buffers;
using System.Buffers.Binary;
using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Gateway.Spans;

/// <summary>
/// Encodes a span's attributes and events into the <c>attributes</c> blob: keys as <c>span_strings</c> ids,
/// values typed (<see cref="SpanValueTag"/>), and every string of 24 bytes or more once, in a pool. A
/// string found in the pool already, or in the pool of the span's donor, is stored as an offset and a
/// length: the prompts inside <c>tfy.input</c>, the message events that repeat them, the completion inside
/// <c>tfy.output</c>, and the root span's copy of the model span's input and output. The pool is
/// compressed (Brotli) from <see cref="CompressMinBytes"/> on. The list of a span's attribute keys (its
/// shape: the model spans of one provider all have the same) is interned like a value once three traces
/// had it, and then stands for all the keys. Writer thread only; reuses its buffers.
/// </summary>
/// <remarks>
/// Layout: format byte (1), flags (<see cref="PoolCompressed"/>, <see cref="Shaped"/>), varint raw pool
/// length, varint entries length, entries, pool. Entries: the attributes, varint event count, events. The
/// attributes are, shaped, the varint <c>span_strings</c> id of the shape (the key ids in decimal, joined
/// by commas) and a value per key; else a varint count and that many keys and values. A key is a varint
/// <c>span_strings</c> id, or 0 and the key's UTF-8 (a varint length first) when the table is full. An
/// event is its name as a key, the zigzag varint of its time minus the span's start in nanoseconds, and
/// its attributes, keyed. <see cref="SpanBlobReader"/> reads it back.
/// </remarks>
internal sealed class SpanBlobWriter(SpanStringTable strings)
{
    public const byte Format = 1;
    public const byte PoolCompressed = 1;
    public const byte Shaped = 2;
    /// <summary>Strings this long or longer go to the pool, where later strings can point into them.</summary>
    internal const int PoolMinBytes = 24;
    /// <summary>Strings this long or longer are looked for in the pools; a shorter one costs less inline than a reference.</summary>
    private const int SearchMinBytes = 8;
    /// <summary>Strings this long or shorter may be interned (<see cref="SpanStringTable.InternedId"/>); longer ones are content.</summary>
    internal const int InternMaxBytes = 256;
    /// <summary>A pool this long or longer is compressed (bench/spans/RESULTS.md, issue #11).</summary>
    internal const int CompressMinBytes = 256;
    /// <summary>
    /// Brotli quality and its window's log2 bound (bench/spans/RESULTS.md, issue #11). Quality 1 takes Brotli's fast
    /// one-pass path: the load harness's pool (731 B: request and answer) in 10.9 µs and 357 B against quality 3's
    /// 19.8 µs and 383 B; markdown of 1.5 and 4 KB about 1.7x faster, 4-7 % larger (bench/load/RESULTS.md, session 6).
    /// </summary>
    internal const int Quality = 1;
    private const int MaxWindowLog = 22;
    /// <summary>Bytes searched per span at most: a span of many long strings stores the rest as they are, not in quadratic time.</summary>
    private const long SearchBudget = 16L << 20;

    private readonly ArrayBufferWriter<byte> _entries = new(1024);
    // The attributes' values, their ends, and their key ids (0: spelled out; then the key is in _keyNames).
    private readonly ArrayBufferWriter<byte> _values = new(1024);
    private readonly List<int> _valueEnds = [];
    private readonly List<long> _keyIds = [];
    private readonly List<string> _keyNames = [];
    /// <summary>Where values are being written: <see cref="_values"/> for attributes, <see cref="_entries"/> for events.</summary>
    private ArrayBufferWriter<byte> _out = null!;
    private char[] _shape = new char[256];
    private readonly ArrayBufferWriter<byte> _pool = new(1024);
    private byte[] _text = new byte[256];
    private byte[] _compressed = [];
    private UInt128 _trace;
    private ReadOnlyMemory<byte> _donor;
    private bool _donated;
    private long _budget;

    /// <summary>
    /// Encodes <paramref name="row"/>'s attributes and events into its <see cref="SpanRow.Blob"/> (appended to
    /// <paramref name="output"/>, which must keep what it holds until the batch is written) and its <see cref="SpanRow.Pool"/>.
    /// </summary>
    /// <param name="donor">A row of the same trace that starts no earlier, whose pool the row may point into (its donor if it does), or null.</param>
    public void Encode(SpanRow row, SpanRow? donor, ArrayBufferWriter<byte> output)
    {
        _entries.ResetWrittenCount();
        _values.ResetWrittenCount();
        _valueEnds.Clear();
        _keyIds.Clear();
        _keyNames.Clear();
        _pool.ResetWrittenCount();
        _trace = BinaryPrimitives.ReadUInt128BigEndian(row.TraceId);
        _donor = donor?.Pool ?? default;
        _donated = false;
        _budget = SearchBudget;
        // Attribute values go to _values (the keys decide later between a shape and a key per value), then
        // _entries gets the attributes and the events after them.
        if (row.Activity is { } a)
        {
            foreach (ref readonly var tag in a.EnumerateTagObjects()) Attribute(tag.Key, tag.Value);
        }
        else
        {
            foreach (var (key, value) in row.Attributes) Attribute(key, value);
        }
        var shaped = WriteAttributes();
        if (row.Activity is { } activity)
        {
            WriteEvents(activity, row.StartTimeNs);
        }
        else
        {
            Varint.Write(_entries, (ulong)row.Events.Count);
            foreach (var e in row.Events)
            {
                WriteKey(e.Name);
                Varint.WriteSigned(_entries, e.TimestampNs - row.StartTimeNs);
                WriteKeyed(e.Attributes);
            }
        }
        var start = output.WrittenCount;
        Assemble(output, shaped);
        row.Blob = output.WrittenMemory[start..];
        row.Pool = _pool.WrittenCount > 0 ? _pool.WrittenSpan.ToArray() : default;
        row.Donor = _donated ? donor : null;
        _donor = default;
    }

    /// <summary>An attribute's value into <see cref="_values"/>, its key noted.</summary>
    private void Attribute(string key, object? value)
    {
        var id = strings.OptionalId(key);
        _keyIds.Add(id);
        if (id == 0) _keyNames.Add(key);
        WriteValue(_values, value);
        _valueEnds.Add(_values.WrittenCount);
    }

    /// <summary>Writes the noted attributes to <see cref="_entries"/>: after their shape's id when it has one (true), else keyed.</summary>
    private bool WriteAttributes()
    {
        if (ShapeId() is var shape and > 0)
        {
            Varint.Write(_entries, (ulong)shape);
            _entries.Write(_values.WrittenSpan);
            return true;
        }
        Varint.Write(_entries, (ulong)_keyIds.Count);
        var start = 0;
        var named = 0;
        for (var i = 0; i < _keyIds.Count; i++)
        {
            Varint.Write(_entries, (ulong)_keyIds[i]);
            if (_keyIds[i] == 0)
            {
                _out = _entries;
                WriteUtf8(_keyNames[named++]);
            }
            _entries.Write(_values.WrittenSpan[start.._valueEnds[i]]);
            start = _valueEnds[i];
        }
        return false;
    }

    /// <summary>The <c>span_strings</c> id of the attributes' shape (their key ids, in order), or 0: none yet, no attributes, or a key without an id.</summary>
    private long ShapeId()
    {
        if (_keyIds.Count == 0 || _keyNames.Count > 0) return 0;
        var n = 0;
        foreach (var id in _keyIds)
        {
            if (_shape.Length - n < 21) Array.Resize(ref _shape, _shape.Length * 2);
            if (n > 0) _shape[n++] = ',';
            id.TryFormat(_shape.AsSpan(n), out var written, default, CultureInfo.InvariantCulture);
            n += written;
        }
        return strings.InternedId(_shape.AsSpan(0, n), _trace);
    }

    private void WriteEvents(Activity a, long startNs)
    {
        var count = 0;
        foreach (ref readonly var _ in a.EnumerateEvents()) count++;
        Varint.Write(_entries, (ulong)count);
        foreach (ref readonly var e in a.EnumerateEvents())
        {
            WriteKey(e.Name);
            Varint.WriteSigned(_entries, UnixTime.ToNanos(e.Timestamp) - startNs);
            count = 0;
            foreach (ref readonly var _ in e.EnumerateTagObjects()) count++;
            Varint.Write(_entries, (ulong)count);
            foreach (ref readonly var tag in e.EnumerateTagObjects())
            {
                WriteKey(tag.Key);
                WriteValue(_entries, tag.Value);
            }
        }
    }

    private void WriteKeyed(IReadOnlyList<KeyValuePair<string, object?>> attributes)
    {
        Varint.Write(_entries, (ulong)attributes.Count);
        foreach (var (key, value) in attributes)
        {
            WriteKey(key);
            WriteValue(_entries, value);
        }
    }

    private void WriteKey(string key)
    {
        var id = strings.OptionalId(key);
        Varint.Write(_entries, (ulong)id);
        if (id == 0)
        {
            _out = _entries;
            WriteUtf8(key);
        }
    }

    /// <summary>The value types and their JSON as <see cref="SpanJson.WriteValue"/> wrote them (store version 2), so answers did not change.</summary>
    private void WriteValue(ArrayBufferWriter<byte> target, object? value)
    {
        _out = target;
        WriteValue(value);
    }

    private void WriteValue(object? value)
    {
        switch (value)
        {
            case null: Tag(SpanValueTag.Null); break;
            case string s: WriteString(s); break;
            case bool b: Tag(b ? SpanValueTag.True : SpanValueTag.False); break;
            case int i: WriteInteger(i); break;
            case long l: WriteInteger(l); break;
            case short sh: WriteInteger(sh); break;
            case byte by: WriteInteger(by); break;
            case uint ui: WriteInteger(ui); break;
            case ulong ul when ul <= long.MaxValue: WriteInteger((long)ul); break;
            case ulong ul: WriteJson(ul.ToString(CultureInfo.InvariantCulture)); break;
            case double d: WriteDouble(d); break;
            case float f: WriteDouble(f); break;
            case decimal m: WriteJson(m.ToString(CultureInfo.InvariantCulture)); break;
            case SpanJsonText json: WriteJson(json.Json); break;
            case string[] array:
                Tag(SpanValueTag.Array);
                Varint.Write(_out, (ulong)array.Length);
                foreach (var s in array) WriteString(s);
                break;
            case IEnumerable items:
                var list = new List<object?>();
                foreach (var item in items) list.Add(item);
                Tag(SpanValueTag.Array);
                Varint.Write(_out, (ulong)list.Count);
                foreach (var item in list) WriteValue(item);
                break;
            default: WriteString(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""); break;
        }
    }

    private void Tag(SpanValueTag tag)
    {
        _out.GetSpan(1)[0] = (byte)tag;
        _out.Advance(1);
    }

    private void WriteInteger(long value)
    {
        Tag(SpanValueTag.Integer);
        Varint.WriteSigned(_out, value);
    }

    /// <summary>JSON has no NaN or infinity; those are kept as their names in strings.</summary>
    private void WriteDouble(double d)
    {
        if (!double.IsFinite(d))
        {
            WriteString(d.ToString(CultureInfo.InvariantCulture));
            return;
        }
        if (TryDecimal(d, out var mantissa, out var exponent))
        {
            Tag(SpanValueTag.Decimal);
            Varint.WriteSigned(_out, mantissa);
            Varint.WriteSigned(_out, exponent);
            return;
        }
        Tag(SpanValueTag.Double);
        BinaryPrimitives.WriteDoubleLittleEndian(_out.GetSpan(8), d);
        _out.Advance(8);
    }

    /// <summary>
    /// The mantissa and power of ten of <paramref name="d"/>'s shortest round-trip text ("R"), when they are
    /// shorter than the 8 bytes of a double: the metrics and sampling parameters spans carry (0.7, 145.416).
    /// </summary>
    internal static bool TryDecimal(double d, out long mantissa, out int exponent)
    {
        mantissa = 0;
        exponent = 0;
        // -0 has no mantissa to carry its sign.
        if (d == 0 && double.IsNegative(d)) return false;
        Span<char> text = stackalloc char[32];
        if (!d.TryFormat(text, out var n, "R", CultureInfo.InvariantCulture)) return false;
        text = text[..n];
        var negative = text[0] == '-';
        var digits = 0;
        var fraction = -1;
        var i = negative ? 1 : 0;
        for (; i < text.Length && text[i] != 'E'; i++)
        {
            if (text[i] == '.')
            {
                fraction = 0;
                continue;
            }
            // 18 digits fit a long; "R" gives at most 17.
            if (++digits > 18) return false;
            mantissa = mantissa * 10 + (text[i] - '0');
            if (fraction >= 0) fraction++;
        }
        if (i < text.Length && !int.TryParse(text[(i + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent)) return false;
        exponent -= Math.Max(fraction, 0);
        if (negative) mantissa = -mantissa;
        // Worth it only when shorter than a double: a tag, and at most 7 bytes of varints.
        return VarintLength(mantissa) + VarintLength(exponent) <= 7;
    }

    private static int VarintLength(long value)
    {
        var v = (ulong)((value << 1) ^ (value >> 63));
        var n = 1;
        while (v >= 0x80)
        {
            v >>= 7;
            n++;
        }
        return n;
    }

    private void WriteJson(string json)
    {
        Tag(SpanValueTag.Json);
        WriteUtf8(json);
    }

    private void WriteUtf8(string s)
    {
        var n = Encoding.UTF8.GetByteCount(s);
        Varint.Write(_out, (ulong)n);
        Encoding.UTF8.GetBytes(s, _out.GetSpan(n));
        _out.Advance(n);
    }

    private void WriteString(string s)
    {
        var n = Encoding.UTF8.GetByteCount(s);
        if (n <= InternMaxBytes && strings.InternedId(s, _trace) is var id and > 0)
        {
            Tag(SpanValueTag.Interned);
            Varint.Write(_out, (ulong)id);
            return;
        }
        if (_text.Length < n) _text = new byte[Math.Max(n, _text.Length * 2)];
        Encoding.UTF8.GetBytes(s, _text);
        var bytes = _text.AsSpan(0, n);
        if (n >= SearchMinBytes && _budget > 0)
        {
            // A byte match of whole UTF-8 text can only start on a character: a lead byte never equals a continuation byte.
            _budget -= _pool.WrittenCount;
            var at = _pool.WrittenSpan.IndexOf(bytes);
            if (at >= 0)
            {
                Reference(SpanValueTag.Pooled, at, n);
                return;
            }
            if (!_donor.IsEmpty)
            {
                _budget -= _donor.Length;
                at = _donor.Span.IndexOf(bytes);
                if (at >= 0)
                {
                    _donated = true;
                    Reference(SpanValueTag.Donated, at, n);
                    return;
                }
            }
        }
        if (n >= PoolMinBytes)
        {
            var offset = _pool.WrittenCount;
            _pool.Write(bytes);
            Reference(SpanValueTag.Pooled, offset, n);
            return;
        }
        Tag(SpanValueTag.String);
        Varint.Write(_out, (ulong)n);
        _out.Write(bytes);
    }

    private void Reference(SpanValueTag tag, int offset, int length)
    {
        Tag(tag);
        Varint.Write(_out, (ulong)offset);
        Varint.Write(_out, (ulong)length);
    }

    private void Assemble(ArrayBufferWriter<byte> output, bool shaped)
    {
        var pool = _pool.WrittenSpan;
        var flags = shaped ? Shaped : (byte)0;
        if (pool.Length >= CompressMinBytes)
        {
            var max = BrotliEncoder.GetMaxCompressedLength(pool.Length);
            if (_compressed.Length < max) _compressed = new byte[Math.Max(max, _compressed.Length * 2)];
            var window = Math.Clamp(64 - (int)ulong.LeadingZeroCount((ulong)pool.Length), 10, MaxWindowLog);
            // Kept only when it saves a tenth: reading a compressed pool costs a decompression.
            if (BrotliEncoder.TryCompress(pool, _compressed, out var written, Quality, window) && written < pool.Length - pool.Length / 10)
            {
                pool = _compressed.AsSpan(0, written);
                flags |= PoolCompressed;
            }
        }
        var header = output.GetSpan(2);
        header[0] = Format;
        header[1] = flags;
        output.Advance(2);
        Varint.Write(output, (ulong)_pool.WrittenCount);
        Varint.Write(output, (ulong)_entries.WrittenCount);
        output.Write(_entries.WrittenSpan);
        output.Write(pool);
    }
}
