using Gateway.Spans;

namespace Gateway.Tests.Spans;

public sealed class UnixTimeTests
{
    [Theory]
    [InlineData("2025-06-01T00:00:00Z", 1_748_736_000_000_000_000)]
    [InlineData("2025-06-01T02:00:00+02:00", 1_748_736_000_000_000_000)]
    [InlineData("2025-06-01T00:00:00", 1_748_736_000_000_000_000)]
    [InlineData("2025-06-01", 1_748_736_000_000_000_000)]
    [InlineData("2025-06-01T00:00:00.1234567Z", 1_748_736_000_123_456_700)]
    [InlineData("2025-06-01T00:00:00.123456789Z", 1_748_736_000_123_456_700)]
    [InlineData("2025-06-01 00:00:00Z", 1_748_736_000_000_000_000)]
    public void Parses_iso_8601(string text, long nanos)
    {
        Assert.True(UnixTime.TryParseIso(text, out var parsed));
        Assert.Equal(nanos, parsed);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("06/01/2025")]
    [InlineData("Jun 1 2025")]
    [InlineData("2025-06-01T25:00:00Z")]
    [InlineData("1960-01-01T00:00:00Z")]
    [InlineData("")]
    public void Refuses_anything_else(string text) => Assert.False(UnixTime.TryParseIso(text, out _));

    [Fact]
    public void Formats_round_trip() =>
        Assert.Equal("2025-06-01T00:00:00.1234567Z", UnixTime.ToIso(1_748_736_000_123_456_700));
}
