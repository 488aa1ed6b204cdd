using System.Buffers;
using System.Buffers.Binary;
using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Gateway.Spans;

/// <summary>
/// Encodes a span's attributes and events into the <c>attributes</c> blob: keys as <c>span_strings</c> ids,
/// values typed (<see cref="SpanValueTag"/>), and every string of 24 bytes or more once, in a pool. A
/// string found in the pool already, or in the pool of the span's donor, is stored as an offset and a
/// length: the prompts inside <c>tfy.input</c>, the message events that repeat them, the completion inside
/// <c>tfy.output</c>, and the root span's copy of the model span's input and output. The pool is
/// compressed (Brotli) from <see cref="CompressMinBytes"/> on. Writer thread only; reuses its buffers.
/// </summary>
/// <remarks>
/// Layout: format byte (1), flags (1 = pool compressed), varint raw pool length, varint entries length,
/// entries, pool. Entries: varint attribute count, attributes, varint event count, events. An attribute is
/// a key and a value; a key is a varint <c>span_strings</c> id, or 0 and the key's UTF-8 (a varint length
/// first) when the table is full. An event is its name as a key, the zigzag varint of its time minus the
/// span's start in nanoseconds, and its attributes as above. <see cref="SpanBlobReader"/> reads it back.
/// </remarks>
internal sealed class SpanBlobWriter(SpanStringTable strings)
{
    public const byte Format = 1;
    public const byte PoolCompressed = 1;
    /// <summary>Strings this long or longer go to the pool, where later strings can point into them.</summary>
    internal const int PoolMinBytes = 24;
    /// <summary>Strings this long or longer are looked for in the pools; a shorter one costs less inline than a reference.</summary>
    private const int SearchMinBytes = 8;
    /// <summary>Strings this long or shorter may be interned (<see cref="SpanStringTable.InternedId"/>); longer ones are content.</summary>
    internal const int InternMaxBytes = 256;
    /// <summary>A pool this long or longer is compressed (bench/spans/RESULTS.md, issue #11).</summary>
    internal const int CompressMinBytes = 256;
    /// <summary>Brotli quality and its window's log2 bound (bench/spans/RESULTS.md, issue #11).</summary>
    internal const int Quality = 3;
    private const int MaxWindowLog = 22;
    /// <summary>Bytes searched per span at most: a span of many long strings stores the rest as they are, not in quadratic time.</summary>
    private const long SearchBudget = 16L << 20;

    private readonly ArrayBufferWriter<byte> _entries = new(1024);
    private readonly ArrayBufferWriter<byte> _pool = new(1024);
    private byte[] _text = new byte[256];
    private byte[] _compressed = [];
    private SqliteTransaction? _transaction;
    private UInt128 _trace;
    private ReadOnlyMemory<byte> _donor;
    private bool _donated;
    private long _budget;

    /// <summary>
    /// Encodes <paramref name="row"/>'s attributes and events into its <see cref="SpanRow.Blob"/> (appended to
    /// <paramref name="output"/>, which must keep what it holds until the batch is written) and its <see cref="SpanRow.Pool"/>.
    /// </summary>
    /// <param name="donor">A later row of the same trace whose pool the row may point into (its donor if it does), or null.</param>
    /// <param name="keepPool">Whether a row encoded later may take this row as its donor: only then is the pool copied out.</param>
    public void Encode(SpanRow row, SpanRow? donor, SqliteTransaction transaction, ArrayBufferWriter<byte> output, bool keepPool = true)
    {
        _entries.ResetWrittenCount();
        _pool.ResetWrittenCount();
        _transaction = transaction;
        _trace = BinaryPrimitives.ReadUInt128BigEndian(row.TraceId);
        _donor = donor?.Pool ?? default;
        _donated = false;
        _budget = SearchBudget;
        if (row.Activity is { } a)
        {
            WriteActivity(a, row.StartTimeNs);
        }
        else
        {
            WriteAttributes(row.Attributes);
            Varint.Write(_entries, (ulong)row.Events.Count);
            foreach (var e in row.Events)
            {
                WriteKey(e.Name);
                Varint.WriteSigned(_entries, e.TimestampNs - row.StartTimeNs);
                WriteAttributes(e.Attributes);
            }
        }
        var start = output.WrittenCount;
        Assemble(output);
        row.Blob = output.WrittenMemory[start..];
        row.Pool = keepPool && _pool.WrittenCount > 0 ? _pool.WrittenSpan.ToArray() : default;
        row.DonorDelta = _donated ? donor!.Id - row.Id : null;
        _transaction = null;
        _donor = default;
    }

    private void WriteActivity(Activity a, long startNs)
    {
        var count = 0;
        foreach (ref readonly var _ in a.EnumerateTagObjects()) count++;
        Varint.Write(_entries, (ulong)count);
        foreach (ref readonly var tag in a.EnumerateTagObjects())
        {
            WriteKey(tag.Key);
            WriteValue(tag.Value);
        }
        count = 0;
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
                WriteValue(tag.Value);
            }
        }
    }

    private void WriteAttributes(IReadOnlyList<KeyValuePair<string, object?>> attributes)
    {
        Varint.Write(_entries, (ulong)attributes.Count);
        foreach (var (key, value) in attributes)
        {
            WriteKey(key);
            WriteValue(value);
        }
    }

    private void WriteKey(string key)
    {
        var id = strings.OptionalId(key, _transaction!);
        Varint.Write(_entries, (ulong)id);
        if (id == 0) WriteUtf8(key);
    }

    /// <summary>The value types and their JSON as <see cref="SpanJson.WriteValue"/> wrote them (store version 2), so answers did not change.</summary>
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
                Varint.Write(_entries, (ulong)array.Length);
                foreach (var s in array) WriteString(s);
                break;
            case IEnumerable items:
                var list = new List<object?>();
                foreach (var item in items) list.Add(item);
                Tag(SpanValueTag.Array);
                Varint.Write(_entries, (ulong)list.Count);
                foreach (var item in list) WriteValue(item);
                break;
            default: WriteString(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""); break;
        }
    }

    private void Tag(SpanValueTag tag)
    {
        _entries.GetSpan(1)[0] = (byte)tag;
        _entries.Advance(1);
    }

    private void WriteInteger(long value)
    {
        Tag(SpanValueTag.Integer);
        Varint.WriteSigned(_entries, value);
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
            Varint.WriteSigned(_entries, mantissa);
            Varint.WriteSigned(_entries, exponent);
            return;
        }
        Tag(SpanValueTag.Double);
        BinaryPrimitives.WriteDoubleLittleEndian(_entries.GetSpan(8), d);
        _entries.Advance(8);
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
        Varint.Write(_entries, (ulong)n);
        Encoding.UTF8.GetBytes(s, _entries.GetSpan(n));
        _entries.Advance(n);
    }

    private void WriteString(string s)
    {
        var n = Encoding.UTF8.GetByteCount(s);
        if (n <= InternMaxBytes && strings.InternedId(s, _trace, _transaction!) is var id and > 0)
        {
            Tag(SpanValueTag.Interned);
            Varint.Write(_entries, (ulong)id);
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
        Varint.Write(_entries, (ulong)n);
        _entries.Write(bytes);
    }

    private void Reference(SpanValueTag tag, int offset, int length)
    {
        Tag(tag);
        Varint.Write(_entries, (ulong)offset);
        Varint.Write(_entries, (ulong)length);
    }

    private void Assemble(ArrayBufferWriter<byte> output)
    {
        var pool = _pool.WrittenSpan;
        var flags = (byte)0;
        if (pool.Length >= CompressMinBytes)
        {
            var max = BrotliEncoder.GetMaxCompressedLength(pool.Length);
            if (_compressed.Length < max) _compressed = new byte[Math.Max(max, _compressed.Length * 2)];
            var window = Math.Clamp(64 - (int)ulong.LeadingZeroCount((ulong)pool.Length), 10, MaxWindowLog);
            // Kept only when it saves a tenth: reading a compressed pool costs a decompression.
            if (BrotliEncoder.TryCompress(pool, _compressed, out var written, Quality, window) && written < pool.Length - pool.Length / 10)
            {
                pool = _compressed.AsSpan(0, written);
                flags = PoolCompressed;
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
