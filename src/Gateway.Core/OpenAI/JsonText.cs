using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Gateway.OpenAI;

/// <summary>
/// Strings out of JSON a client or an upstream sent. <see cref="Utf8JsonReader"/> checks structure, not
/// text: a string holding invalid UTF-8 or an escaped lone surrogate (<c>"\ud800"</c>) reads fine, and only
/// <see cref="Utf8JsonReader.GetString"/> throws (InvalidOperationException). Fields the gateway acts on
/// reject such text (<see cref="TryGetString"/>, a 400 naming the field); text kept for spans replaces what
/// is invalid with U+FFFD (<see cref="ReadLenient"/>), as a UTF-8 decoder does.
/// </summary>
internal static class JsonText
{
    private const char Replacement = '\uFFFD';

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
        return reader.ValueIsEscaped ? Unescape(raw) : Encoding.UTF8.GetString(raw);
    }

    /// <summary>
    /// Unescapes a string token the reader has validated (every escape is well formed). Runs between escapes
    /// are decoded as UTF-8 with replacement; a <c>\u</c> surrogate not part of a pair becomes U+FFFD.
    /// </summary>
    private static string Unescape(ReadOnlySpan<byte> raw)
    {
        var text = new StringBuilder(raw.Length);
        while (true)
        {
            var slash = raw.IndexOf((byte)'\\');
            // '\\' is ASCII, so a run never ends inside a valid multi-byte sequence.
            text.Append(Encoding.UTF8.GetString(slash < 0 ? raw : raw[..slash]));
            if (slash < 0) return text.ToString();
            raw = raw[(slash + 1)..];
            if (raw[0] != (byte)'u')
            {
                text.Append(raw[0] switch
                {
                    (byte)'b' => '\b',
                    (byte)'f' => '\f',
                    (byte)'n' => '\n',
                    (byte)'r' => '\r',
                    (byte)'t' => '\t',
                    var c => (char)c,
                });
                raw = raw[1..];
                continue;
            }
            var unit = Hex(raw.Slice(1, 4));
            raw = raw[5..];
            if (char.IsHighSurrogate(unit) && raw.Length >= 6 && raw[0] == (byte)'\\' && raw[1] == (byte)'u' && char.IsLowSurrogate(Hex(raw.Slice(2, 4))))
            {
                text.Append(unit).Append(Hex(raw.Slice(2, 4)));
                raw = raw[6..];
            }
            else
            {
                text.Append(char.IsSurrogate(unit) ? Replacement : unit);
            }
        }
    }

    private static char Hex(ReadOnlySpan<byte> digits) => Utf8Parser.TryParse(digits, out ushort value, out _, 'X') ? (char)value : Replacement;
}
