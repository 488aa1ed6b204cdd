namespace Gateway.FunctionalTests.Infrastructure;

/// <summary>A fake upstream and a gateway in front of it (<see cref="Configs.OneUpstream"/>), started per test.</summary>
public abstract class UpstreamGatewayTest : IAsyncLifetime
{
    protected FakeUpstream Upstream { get; private set; } = null!;
    protected GatewayUnderTest Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Upstream = await FakeUpstream.StartAsync();
        Gateway = await GatewayUnderTest.StartAsync(Configs.OneUpstream(Upstream));
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Upstream.DisposeAsync();
    }
}
