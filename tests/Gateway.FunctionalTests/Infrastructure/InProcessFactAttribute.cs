namespace Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// A test that needs the gateway in this process (an <see cref="System.Diagnostics.ActivityListener"/>
/// sees only this process's spans); skipped, with the reason, when GATEWAY_BINARY runs the AOT binary.
/// </summary>
public sealed class InProcessFactAttribute : FactAttribute
{
    public InProcessFactAttribute()
    {
        if (GatewayUnderTest.UsesBinary) Skip = "Needs an in-process ActivityListener; with GATEWAY_BINARY the gateway runs in another process.";
    }
}
