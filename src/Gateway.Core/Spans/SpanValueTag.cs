namespace Gateway.Spans;

/// <summary>The type byte in front of each value of a span's attribute blob (<see cref="SpanBlobWriter"/>). Stored: never renumber.</summary>
internal enum SpanValueTag : byte
{
    Null = 0,
    False = 1,
    True = 2,
    /// <summary>A zigzag varint.</summary>
    Integer = 3,
    /// <summary>8 bytes, little-endian IEEE 754.</summary>
    Double = 4,
    /// <summary>A varint length and the UTF-8 bytes.</summary>
    String = 5,
    /// <summary>A varint offset and length into this span's pool.</summary>
    Pooled = 6,
    /// <summary>A varint offset and length into the donor span's pool (the <c>donor</c> column).</summary>
    Donated = 7,
    /// <summary>A varint count and that many values.</summary>
    Array = 8,
    /// <summary>A varint length and JSON text written as it is: numbers beyond a long, decimals, objects.</summary>
    Json = 9,
    /// <summary>A varint <c>span_strings</c> id: a string that many spans carry (a model name, a URL, a subject).</summary>
    Interned = 10,
    /// <summary>
    /// A double as the digits of its shortest round-trip decimal: zigzag varints of the mantissa and the
    /// power of ten (0.7 is 7 and -1: 3 bytes, not 9). Parsing <c>{mantissa}E{exponent}</c> gives the same double.
    /// </summary>
    Decimal = 11,
}
