using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Gateway.OpenAI;

/// <summary>
/// Text out of JSON a client or an upstream sent. <see cref="Utf8JsonReader"/> checks structure, not text:
/// a string or property name holding invalid UTF-8 or an escaped lone surrogate (<c>"\ud800"</c>) reads
/// fine, and only <see cref="Utf8JsonReader.GetString"/>, <see cref="Utf8JsonReader.CopyString(Span{byte})"/>
/// and <see cref="Utf8JsonReader.ValueTextEquals(ReadOnlySpan{byte})"/> throw (InvalidOperationException).
/// Fields the gateway acts on reject such text (<see cref="TryGetString"/>, a 400 naming the field); text
/// kept for spans replaces what is invalid with U+FFFD (<see cref="ReadLenient"/>), as a UTF-8 decoder
/// does; names are compared with <see cref="TextEquals"/>, which never throws.
/// </summary>
internal static class JsonText
{
    /// <summary>Names longer than this (unescaped) are never compared by content: no name the gateway reads comes close.</summary>
    private const int MaxNameBytes = 256;

    // An escape takes at most 6 bytes ("\u0041") for at least one byte of UTF-8 text.
    private const int MaxEscapeExpansion = 6;

    /// <summary>The current string token as text; false when it is not valid Unicode. The token must be a string.</summary>
    public static bool TryGetString(ref Utf8JsonReader reader, [NotNullWhen(true)] out string? value)
    {
        if (!reader.HasValueSequence && !reader.ValueIsEscaped && !Utf8.IsValid(reader.ValueSpan))
        {
            value = null;
            return false;
        }
        try
        {
            value = reader.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            // An escape sequence named a lone surrogate, or invalid UTF-8 sat beside an escape.
            value = null;
            return false;
        }
    }

    /// <summary>
    /// The current token as text, with U+FFFD for invalid bytes and lone surrogates; any other value is
    /// skipped (so an object where a string was expected cannot derail the caller's loop) and gives null.
    /// </summary>
    public static string? ReadLenient(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            reader.Skip();
            return null;
        }
        if (TryGetString(ref reader, out var value)) return value;
        var raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
        if (!reader.ValueIsEscaped) return Encoding.UTF8.GetString(raw);
        // Unescaped text is never longer than its escaped form ("\ud800", 6 bytes, becomes U+FFFD, 3 bytes).
        var unescaped = ArrayPool<byte>.Shared.Rent(raw.Length);
        try
        {
            Unescape(raw, unescaped, replaceLoneSurrogates: true, out var written);
            return Encoding.UTF8.GetString(unescaped, 0, written);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(unescaped);
        }
    }

    /// <summary>
    /// Whether the current property name or string is <paramref name="utf8Text"/>, escapes resolved.
    /// Unlike <see cref="Utf8JsonReader.ValueTextEquals(ReadOnlySpan{byte})"/>, never throws: a name with a
    /// lone surrogate equals no valid text.
    /// </summary>
    public static bool TextEquals(ref Utf8JsonReader reader, ReadOnlySpan<byte> utf8Text)
    {
        if (!reader.HasValueSequence && !reader.ValueIsEscaped) return reader.ValueSpan.SequenceEqual(utf8Text);
        var scratch = utf8Text.Length <= MaxNameBytes ? stackalloc byte[MaxNameBytes] : new byte[utf8Text.Length];
        return TryCopyUnescaped(ref reader, scratch, out var written) && scratch[..written].SequenceEqual(utf8Text);
    }

    /// <summary>
    /// Copies the current property name or string, escapes resolved, as UTF-8. False when it does not fit
    /// <paramref name="destination"/> or holds an escaped lone surrogate; never throws.
    /// </summary>
    public static bool TryCopyUnescaped(ref Utf8JsonReader reader, scoped Span<byte> destination, out int written)
    {
        written = 0;
        var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (!reader.ValueIsEscaped)
        {
            if (length > destination.Length) return false;
            if (reader.HasValueSequence) reader.ValueSequence.CopyTo(destination);
            else reader.ValueSpan.CopyTo(destination);
            written = (int)length;
            return true;
        }
        if (length > MaxEscapeExpansion * (long)destination.Length) return false;
        if (!reader.HasValueSequence) return Unescape(reader.ValueSpan, destination, replaceLoneSurrogates: false, out written);
        const int StackLimit = MaxEscapeExpansion * MaxNameBytes;
        var raw = length <= StackLimit ? stackalloc byte[StackLimit] : new byte[length];
        reader.ValueSequence.CopyTo(raw);
        return Unescape(raw[..(int)length], destination, replaceLoneSurrogates: false, out written);
    }

    /// <summary>
    /// Resolves the escapes of a token the reader has validated (every escape is well formed), UTF-8 to
    /// UTF-8. A <c>\u</c> surrogate that is not half of a pair becomes U+FFFD, or fails the copy.
    /// </summary>
    private static bool Unescape(ReadOnlySpan<byte> raw, Span<byte> destination, bool replaceLoneSurrogates, out int written)
    {
        written = 0;
        var i = 0;
        while (i < raw.Length)
        {
            var b = raw[i];
            if (b != (byte)'\\')
            {
                if (written == destination.Length) return false;
                destination[written++] = b;
                i++;
                continue;
            }
            var kind = raw[i + 1];
            if (kind != (byte)'u')
            {
                if (written == destination.Length) return false;
                destination[written++] = kind switch
                {
                    (byte)'b' => (byte)'\b',
                    (byte)'f' => (byte)'\f',
                    (byte)'n' => (byte)'\n',
                    (byte)'r' => (byte)'\r',
                    (byte)'t' => (byte)'\t',
                    _ => kind, // '"', '\\' and '/' stand for themselves
                };
                i += 2;
                continue;
            }
            int scalar = Hex(raw.Slice(i + 2, 4));
            i += 6;
            if (char.IsHighSurrogate((char)scalar) && i + 6 <= raw.Length && raw[i] == (byte)'\\' && raw[i + 1] == (byte)'u'
                && Hex(raw.Slice(i + 2, 4)) is var low && char.IsLowSurrogate((char)low))
            {
                scalar = char.ConvertToUtf32((char)scalar, (char)low);
                i += 6;
            }
            else if (char.IsSurrogate((char)scalar))
            {
                if (!replaceLoneSurrogates) return false;
                scalar = Rune.ReplacementChar.Value;
            }
            if (!new Rune(scalar).TryEncodeToUtf8(destination[written..], out var n)) return false;
            written += n;
        }
        return true;
    }

    private static ushort Hex(ReadOnlySpan<byte> digits) => Utf8Parser.TryParse(digits, out ushort value, out _, 'X') ? value : (ushort)0xFFFD;
}
