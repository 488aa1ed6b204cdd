using Gateway.Proxy;
using Microsoft.Extensions.Primitives;

namespace Gateway.Tests.Proxy;

public sealed class TimeoutHeaderTests
{
    private static int Resolve(string? header, int configured, bool allowIncrease)
    {
        var values = header is null ? StringValues.Empty : new StringValues(header);
        Assert.True(TimeoutHeader.TryResolve(TimeoutHeader.Request, values, configured, allowIncrease, out var ms, out var error), error?.Message);
        return ms;
    }

    [Theory]
    [InlineData(null, 30_000, false, 30_000)]
    [InlineData("250", 30_000, false, 250)]
    [InlineData("30000", 30_000, false, 30_000)]
    [InlineData("600000", 30_000, false, 30_000)]
    [InlineData("2147483647", 30_000, false, 30_000)]
    [InlineData("600000", 30_000, true, 600_000)]
    [InlineData("250", 30_000, true, 250)]
    [InlineData("600000", 0, false, 600_000)]
    public void AHeader_LowersTheLimit_AndRaisesItOnlyWhenAllowed(string? header, int configured, bool allowIncrease, int expected)
    {
        Assert.Equal(expected, Resolve(header, configured, allowIncrease));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("soon")]
    [InlineData("1.5")]
    [InlineData("99999999999")]
    public void BadValues_Are400NamingTheHeader(string header)
    {
        Assert.False(TimeoutHeader.TryResolve(TimeoutHeader.Ttft, new StringValues(header), 1000, false, out _, out var error));
        Assert.Equal(400, error!.Status);
        Assert.Equal("invalid_value", error.Code);
        Assert.Equal(TimeoutHeader.Ttft, error.Param);
    }

    [Fact]
    public void TwoValues_Are400()
    {
        Assert.False(TimeoutHeader.TryResolve(TimeoutHeader.Request, new StringValues(["100", "200"]), 1000, false, out _, out _));
    }
}
