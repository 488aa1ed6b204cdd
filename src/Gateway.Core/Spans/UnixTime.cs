using System.Globalization;

namespace Gateway.Spans;

/// <summary>Unix-epoch nanoseconds, the store's time unit, to and from DateTime and ISO 8601.</summary>
internal static class UnixTime
{
    // Activity times are DateTime ticks (100 ns), so stored times are multiples of 100 ns.
    public static long ToNanos(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    public static long ToNanos(DateTimeOffset time) => (time.UtcTicks - DateTime.UnixEpoch.Ticks) * 100;

    public static DateTime ToDateTime(long nanos) => new(DateTime.UnixEpoch.Ticks + nanos / 100, DateTimeKind.Utc);

    /// <summary>Round-trip ISO 8601 in UTC, e.g. <c>2025-06-01T12:00:00.1234567Z</c>.</summary>
    public static string ToIso(long nanos) => ToDateTime(nanos).ToString("O", CultureInfo.InvariantCulture);

    private static readonly string[] s_formats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd HH:mm:ssK",
        "yyyy-MM-dd",
    ];

    /// <summary>ISO 8601 only (not "Jan 1"): a date, optionally a time and a zone; no zone means UTC.</summary>
    public static bool TryParseIso(string text, out long nanos)
    {
        nanos = 0;
        var s = text.Trim();
        // .NET keeps 7 fractional digits; clients that send 9 (nanoseconds) lose the last two.
        s = TrimFraction(s);
        if (!DateTimeOffset.TryParseExact(s, s_formats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return false;
        }
        if (time.UtcDateTime < DateTime.UnixEpoch) return false;
        nanos = ToNanos(time);
        return true;
    }

    private static string TrimFraction(string s)
    {
        var dot = s.IndexOf('.');
        if (dot < 0) return s;
        var end = dot + 1;
        while (end < s.Length && char.IsAsciiDigit(s[end])) end++;
        return end - dot - 1 > 7 ? string.Concat(s.AsSpan(0, dot + 8), s.AsSpan(end)) : s;
    }
}
