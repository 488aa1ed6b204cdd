using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Gateway.Spans;

/// <summary>
/// Reads the blobs <see cref="SpanBlobWriter"/> writes: a whole span's attributes and events as the query
/// API's JSON, or one attribute for a filter (<see cref="SpanSqlFunctions"/>). Malformed input throws
/// <see cref="FormatException"/>. One per connection and thread: it keeps the buffers it decompresses
/// pools into, and reads the keys and interned strings through the connection.
/// </summary>
internal sealed class SpanBlobReader(SpanStringCache strings, SqliteConnection connection)
{
    private byte[] _pool = [];
    private byte[] _donorPool = [];

    /// <summary>Writes the span's attributes as a JSON object and its events as a JSON array (false, and nothing, when it has none).</summary>
    /// <param name="donor">The donor row's blob when the row has one (<c>donor</c> column), else empty.</param>
    public bool WriteJson(ReadOnlySpan<byte> blob, ReadOnlySpan<byte> donor, long startNs, Utf8JsonWriter attributes, Utf8JsonWriter events)
    {
        var b = Open(blob, out var entries);
        var pool = b.Pool(ref _pool);
        var donorPool = donor.IsEmpty ? default : Open(donor, out _).Pool(ref _donorPool);
        var at = 0;
        attributes.WriteStartObject();
        WriteAttributes(attributes, entries, ref at, pool, donorPool);
        attributes.WriteEndObject();
        var count = Varint.ReadInt(entries, ref at);
        if (count == 0) return false;
        events.WriteStartArray();
        for (var i = 0; i < count; i++)
        {
            events.WriteStartObject();
            events.WriteString("name"u8, Key(entries, ref at));
            events.WriteString("timestamp"u8, UnixTime.ToIso(startNs + Varint.ReadSigned(entries, ref at)));
            events.WriteStartObject("attributes"u8);
            WriteAttributes(events, entries, ref at, pool, donorPool);
            events.WriteEndObject();
            events.WriteEndObject();
        }
        events.WriteEndArray();
        return true;
    }

    /// <summary>Finds an attribute (not an event's) by its <c>span_strings</c> id, or by its text when the blob spells keys out.</summary>
    /// <returns>The value, or a <see cref="SpanBlobValue"/> of <see cref="SpanBlobValue.Found"/> false.</returns>
    public SpanBlobValue Find(ReadOnlySpan<byte> blob, ReadOnlySpan<byte> donor, long keyId, ReadOnlySpan<byte> keyText)
    {
        var b = Open(blob, out var entries);
        var at = 0;
        var count = Varint.ReadInt(entries, ref at);
        for (var i = 0; i < count; i++)
        {
            var id = (long)Varint.Read(entries, ref at);
            var match = id == keyId;
            if (id == 0)
            {
                var length = Varint.ReadInt(entries, ref at);
                match = Slice(entries, at, length).SequenceEqual(keyText);
                at += length;
            }
            if (match)
            {
                var start = at;
                Skip(entries, ref at);
                var pool = NeedsPool(entries[start]) ? b.Pool(ref _pool) : default;
                var donorPool = entries[start] == (byte)SpanValueTag.Donated || entries[start] == (byte)SpanValueTag.Array
                    ? donor.IsEmpty ? default : Open(donor, out _).Pool(ref _donorPool)
                    : default;
                return new SpanBlobValue(this, entries[start..at], pool, donorPool);
            }
            Skip(entries, ref at);
        }
        return default;
    }

    /// <summary>Writes one value (its tag at <paramref name="at"/>) as JSON and moves past it.</summary>
    internal void WriteValue(Utf8JsonWriter w, ReadOnlySpan<byte> entries, ref int at, ReadOnlySpan<byte> pool, ReadOnlySpan<byte> donor)
    {
        if ((uint)at >= (uint)entries.Length) throw new FormatException("span blob: a value runs past the end");
        var tag = (SpanValueTag)entries[at++];
        switch (tag)
        {
            case SpanValueTag.Null: w.WriteNullValue(); break;
            case SpanValueTag.False: w.WriteBooleanValue(false); break;
            case SpanValueTag.True: w.WriteBooleanValue(true); break;
            case SpanValueTag.Integer: w.WriteNumberValue(Varint.ReadSigned(entries, ref at)); break;
            case SpanValueTag.Double: w.WriteNumberValue(ReadDouble(entries, ref at)); break;
            case SpanValueTag.Decimal: w.WriteNumberValue(ReadDecimal(entries, ref at)); break;
            case SpanValueTag.String:
            case SpanValueTag.Pooled:
            case SpanValueTag.Donated:
            case SpanValueTag.Interned:
                at--;
                w.WriteStringValue(ReadText(entries, ref at, pool, donor));
                break;
            case SpanValueTag.Array:
                var count = Varint.ReadInt(entries, ref at);
                w.WriteStartArray();
                for (var i = 0; i < count; i++) WriteValue(w, entries, ref at, pool, donor);
                w.WriteEndArray();
                break;
            case SpanValueTag.Json:
                var length = Varint.ReadInt(entries, ref at);
                w.WriteRawValue(Slice(entries, at, length), skipInputValidation: true);
                at += length;
                break;
            default: throw new FormatException($"span blob: unknown value tag {(byte)tag}");
        }
    }

    /// <summary>The UTF-8 of a string value (any of the string tags) at <paramref name="at"/>.</summary>
    internal ReadOnlySpan<byte> ReadText(ReadOnlySpan<byte> entries, scoped ref int at, ReadOnlySpan<byte> pool, ReadOnlySpan<byte> donor)
    {
        var tag = (SpanValueTag)entries[at++];
        if (tag == SpanValueTag.Interned) return strings.Utf8((long)Varint.Read(entries, ref at), connection);
        if (tag == SpanValueTag.String)
        {
            var length = Varint.ReadInt(entries, ref at);
            var text = Slice(entries, at, length);
            at += length;
            return text;
        }
        var offset = Varint.ReadInt(entries, ref at);
        var n = Varint.ReadInt(entries, ref at);
        return tag switch
        {
            SpanValueTag.Pooled => Slice(pool, offset, n),
            SpanValueTag.Donated => Slice(donor, offset, n),
            _ => throw new FormatException($"span blob: tag {(byte)tag} is not a string"),
        };
    }

    internal static double ReadDouble(ReadOnlySpan<byte> entries, ref int at)
    {
        var d = BinaryPrimitives.ReadDoubleLittleEndian(Slice(entries, at, 8));
        at += 8;
        return d;
    }

    /// <summary>A <see cref="SpanValueTag.Decimal"/>'s double: its decimal text parsed, which gives back the double it was written from.</summary>
    internal static double ReadDecimal(ReadOnlySpan<byte> entries, ref int at)
    {
        var mantissa = Varint.ReadSigned(entries, ref at);
        var exponent = Varint.ReadSigned(entries, ref at);
        Span<char> text = stackalloc char[48];
        return text.TryWrite(CultureInfo.InvariantCulture, $"{mantissa}E{exponent}", out var n)
            && double.TryParse(text[..n], NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? d
            : throw new FormatException("span blob: a decimal out of range");
    }

    internal static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> data, int offset, int length) =>
        (uint)offset <= (uint)data.Length && (uint)length <= (uint)(data.Length - offset)
            ? data.Slice(offset, length)
            : throw new FormatException("span blob: a reference past the end of its data");

    private void WriteAttributes(Utf8JsonWriter w, ReadOnlySpan<byte> entries, ref int at, ReadOnlySpan<byte> pool, ReadOnlySpan<byte> donor)
    {
        var count = Varint.ReadInt(entries, ref at);
        for (var i = 0; i < count; i++)
        {
            w.WritePropertyName(Key(entries, ref at));
            WriteValue(w, entries, ref at, pool, donor);
        }
    }

    private ReadOnlySpan<byte> Key(ReadOnlySpan<byte> entries, scoped ref int at)
    {
        var id = (long)Varint.Read(entries, ref at);
        if (id != 0) return strings.Utf8(id, connection);
        var length = Varint.ReadInt(entries, ref at);
        var key = Slice(entries, at, length);
        at += length;
        return key;
    }

    private static void Skip(ReadOnlySpan<byte> entries, ref int at)
    {
        if ((uint)at >= (uint)entries.Length) throw new FormatException("span blob: a value runs past the end");
        switch ((SpanValueTag)entries[at++])
        {
            case SpanValueTag.Null or SpanValueTag.False or SpanValueTag.True: break;
            case SpanValueTag.Integer or SpanValueTag.Interned: Varint.Read(entries, ref at); break;
            case SpanValueTag.Double: at += 8; break;
            case SpanValueTag.Decimal:
                Varint.Read(entries, ref at);
                Varint.Read(entries, ref at);
                break;
            case SpanValueTag.String or SpanValueTag.Json:
                var length = Varint.ReadInt(entries, ref at);
                at += length;
                break;
            case SpanValueTag.Pooled or SpanValueTag.Donated:
                Varint.Read(entries, ref at);
                Varint.Read(entries, ref at);
                break;
            case SpanValueTag.Array:
                var count = Varint.ReadInt(entries, ref at);
                for (var i = 0; i < count; i++) Skip(entries, ref at);
                break;
            default: throw new FormatException($"span blob: unknown value tag {entries[at - 1]}");
        }
    }

    private static bool NeedsPool(byte tag) => tag is (byte)SpanValueTag.Pooled or (byte)SpanValueTag.Array;

    /// <summary>Reads the header; the pool stays as stored until <see cref="Header.Pool"/> is asked for.</summary>
    private static Header Open(ReadOnlySpan<byte> blob, out ReadOnlySpan<byte> entries)
    {
        if (blob.Length < 2 || blob[0] != SpanBlobWriter.Format) throw new FormatException("span blob: not format 1");
        var at = 2;
        var poolLength = Varint.ReadInt(blob, ref at);
        var entriesLength = Varint.ReadInt(blob, ref at);
        entries = Slice(blob, at, entriesLength);
        return new Header(blob[(at + entriesLength)..], poolLength, (blob[1] & SpanBlobWriter.PoolCompressed) != 0);
    }

    private readonly ref struct Header(ReadOnlySpan<byte> stored, int length, bool compressed)
    {
        private readonly ReadOnlySpan<byte> _stored = stored;

        public ReadOnlySpan<byte> Pool(ref byte[] scratch)
        {
            if (!compressed) return _stored.Length == length ? _stored : throw new FormatException("span blob: the pool is not its stated length");
            if (scratch.Length < length) scratch = new byte[Math.Max(length, scratch.Length * 2)];
            if (!BrotliDecoder.TryDecompress(_stored, scratch.AsSpan(0, length), out var written) || written != length)
            {
                throw new FormatException("span blob: the pool does not decompress to its stated length");
            }
            return scratch.AsSpan(0, length);
        }
    }
}
