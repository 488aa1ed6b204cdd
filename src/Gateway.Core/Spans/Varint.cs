using System.Buffers;

namespace Gateway.Spans;

/// <summary>LEB128 unsigned varints and zigzag signed ones: small numbers in one byte.</summary>
internal static class Varint
{
    public static void Write(IBufferWriter<byte> w, ulong value)
    {
        var span = w.GetSpan(10);
        var n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[n++] = (byte)value;
        w.Advance(n);
    }

    public static void WriteSigned(IBufferWriter<byte> w, long value) => Write(w, (ulong)((value << 1) ^ (value >> 63)));

    /// <summary>Reads a varint at <paramref name="offset"/> and moves past it; malformed input throws <see cref="FormatException"/>.</summary>
    public static ulong Read(ReadOnlySpan<byte> data, ref int offset)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if ((uint)offset >= (uint)data.Length) throw new FormatException("span blob: a varint runs past the end");
            var b = data[offset++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw new FormatException("span blob: a varint longer than 10 bytes");
    }

    public static long ReadSigned(ReadOnlySpan<byte> data, ref int offset)
    {
        var v = Read(data, ref offset);
        return (long)(v >> 1) ^ -(long)(v & 1);
    }

    /// <summary>A varint that must fit an int (lengths, offsets, counts).</summary>
    public static int ReadInt(ReadOnlySpan<byte> data, ref int offset)
    {
        var v = Read(data, ref offset);
        return v <= int.MaxValue ? (int)v : throw new FormatException("span blob: a length past 2 GB");
    }
}
