using System.Text;

namespace Gateway.Tracing;

/// <summary>Bounded strings for span attributes (tracing.max_content_chars).</summary>
internal static class SpanText
{
    public static string? Truncate(string? s, int max)
    {
        if (s is null || s.Length <= max) return s;
        // Never cut a surrogate pair in half: exporters would send invalid UTF-8.
        var cut = char.IsHighSurrogate(s[max - 1]) ? max - 1 : max;
        return s[..cut];
    }

    /// <summary>Decodes at most <paramref name="max"/> characters of UTF-8 without decoding the rest.</summary>
    public static string Utf8(ReadOnlySpan<byte> bytes, int max)
    {
        // A UTF-16 char needs at most 3 UTF-8 bytes (surrogate pairs: 4 bytes for 2 chars).
        var prefix = bytes.Length > (long)max * 3 ? bytes[..(max * 3)] : bytes;
        return Truncate(Encoding.UTF8.GetString(prefix), max)!;
    }

    /// <summary>The first line of a text, cut to a display length, for <c>tfy.input_short_hand</c>.</summary>
    public static string ShortHand(string text, int max = 200)
    {
        var span = text.AsSpan().Trim();
        var newline = span.IndexOfAny('\r', '\n');
        if (newline >= 0) span = span[..newline];
        if (span.Length <= max) return span.Length == text.Length ? text : span.ToString();
        var cut = char.IsHighSurrogate(span[max - 1]) ? max - 1 : max;
        return string.Concat(span[..cut], "…");
    }
}
