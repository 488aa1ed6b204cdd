using Gateway.Config;

namespace Gateway.Tests.Config;

/// <summary><c>server.shutdown_drain_delay_ms</c> (issue #9, item 14).</summary>
public sealed class ShutdownConfigTests
{
    private static GatewayConfig Load(string server) => ConfigLoader.Load($"""
        server:
        {server}
        providers:
          - {"{"}name: mock, type: mock, models: [echo]{"}"}
        """, "gw.yaml", _ => null);

    [Fact]
    public void DrainDelay_DefaultsToZero_AndIsRead()
    {
        Assert.Equal(0, ConfigLoader.Load("providers: [{name: mock, type: mock, models: [echo]}]", "gw.yaml", _ => null).Server.ShutdownDrainDelayMs);
        var config = Load("  shutdown_drain_delay_ms: 5000\n  shutdown_timeout_ms: 20000");
        Assert.Equal(5000, config.Server.ShutdownDrainDelayMs);
        Assert.Equal(20000, config.Server.ShutdownTimeoutMs);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("600001")]
    [InlineData("soon")]
    public void DrainDelay_OutOfRange_IsAnErrorWithItsLine(string value)
    {
        var e = Assert.Throws<ConfigException>(() => Load($"  shutdown_drain_delay_ms: {value}"));
        Assert.Contains(e.Errors, m => m.StartsWith("gw.yaml:2:28: server.shutdown_drain_delay_ms: ", StringComparison.Ordinal));
    }
}
