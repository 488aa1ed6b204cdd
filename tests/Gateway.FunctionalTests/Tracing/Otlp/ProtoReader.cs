namespace Gateway.FunctionalTests.Tracing.Otlp;

/// <summary>
/// Just enough of the protobuf wire format (https://protobuf.dev/programming-guides/encoding/) to read
/// OTLP: varints, fixed 32/64, length-delimited fields. Test-only, so the tests check the exporter's bytes
/// without trusting a generated decoder from the same source.
/// </summary>
internal ref struct ProtoReader(ReadOnlySpan<byte> data)
{
    public const int Varint = 0;
    public const int Fixed64 = 1;
    public const int LengthDelimited = 2;
    public const int Fixed32 = 5;

    private readonly ReadOnlySpan<byte> _data = data;
    private int _pos;

    public bool TryReadTag(out int field, out int wireType)
    {
        if (_pos >= _data.Length)
        {
            field = 0;
            wireType = 0;
            return false;
        }
        var tag = ReadVarint();
        field = (int)(tag >> 3);
        wireType = (int)(tag & 7);
        if (field == 0) throw new FormatException("field number 0");
        return true;
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_pos >= _data.Length) throw new FormatException("truncated varint");
            var b = _data[_pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new FormatException("varint too long");
    }

    public ulong ReadFixed64()
    {
        if (_pos + 8 > _data.Length) throw new FormatException("truncated fixed64");
        var v = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(_data[_pos..]);
        _pos += 8;
        return v;
    }

    public uint ReadFixed32()
    {
        if (_pos + 4 > _data.Length) throw new FormatException("truncated fixed32");
        var v = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(_data[_pos..]);
        _pos += 4;
        return v;
    }

    public double ReadDouble() => BitConverter.Int64BitsToDouble((long)ReadFixed64());

    public ReadOnlySpan<byte> ReadBytes()
    {
        var length = (int)ReadVarint();
        if (length < 0 || _pos + length > _data.Length) throw new FormatException("truncated length-delimited field");
        var slice = _data.Slice(_pos, length);
        _pos += length;
        return slice;
    }

    public string ReadString() => System.Text.Encoding.UTF8.GetString(ReadBytes());

    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case Varint: ReadVarint(); break;
            case Fixed64: ReadFixed64(); break;
            case LengthDelimited: ReadBytes(); break;
            case Fixed32: ReadFixed32(); break;
            default: throw new FormatException($"unsupported wire type {wireType}");
        }
    }

    /// <summary>A packed repeated fixed64 / double field, or one unpacked element.</summary>
    public static IEnumerable<ulong> PackedFixed64(byte[] bytes)
    {
        for (var i = 0; i + 8 <= bytes.Length; i += 8) yield return System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(i));
    }
}
