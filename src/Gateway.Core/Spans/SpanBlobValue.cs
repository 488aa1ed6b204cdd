using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Gateway.Spans;

/// <summary>One attribute value found in a span blob (<see cref="SpanBlobReader.Find"/>), with the pools its text may point into.</summary>
internal readonly ref struct SpanBlobValue(SpanBlobReader reader, ReadOnlySpan<byte> value, ReadOnlySpan<byte> pool, ReadOnlySpan<byte> donor)
{
    private readonly SpanBlobReader _reader = reader;
    private readonly ReadOnlySpan<byte> _value = value;
    private readonly ReadOnlySpan<byte> _pool = pool;
    private readonly ReadOnlySpan<byte> _donor = donor;

    public bool Found => !_value.IsEmpty;

    public SpanValueTag Tag => (SpanValueTag)_value[0];

    public long Integer
    {
        get
        {
            var at = 1;
            return Varint.ReadSigned(_value, ref at);
        }
    }

    /// <summary>The number of a <see cref="SpanValueTag.Double"/> or <see cref="SpanValueTag.Decimal"/> value.</summary>
    public double Double
    {
        get
        {
            var at = 1;
            return Tag == SpanValueTag.Decimal ? SpanBlobReader.ReadDecimal(_value, ref at) : SpanBlobReader.ReadDouble(_value, ref at);
        }
    }

    /// <summary>The UTF-8 of a string value.</summary>
    public ReadOnlySpan<byte> Text
    {
        get
        {
            var at = 0;
            return _reader.ReadText(_value, ref at, _pool, _donor);
        }
    }

    /// <summary>The JSON text of a <see cref="SpanValueTag.Json"/> value.</summary>
    public ReadOnlySpan<byte> JsonText
    {
        get
        {
            var at = 1;
            var length = Varint.ReadInt(_value, ref at);
            return SpanBlobReader.Slice(_value, at, length);
        }
    }

    /// <summary>A <see cref="SpanValueTag.Json"/> number as SQLite's json_extract gives it: an integer when it is one, else a real; null for other JSON.</summary>
    public object? JsonNumber()
    {
        var text = Encoding.UTF8.GetString(JsonText);
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return l;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return d;
        return null;
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        var at = 0;
        _reader.WriteValue(w, _value, ref at, _pool, _donor);
    }
}
