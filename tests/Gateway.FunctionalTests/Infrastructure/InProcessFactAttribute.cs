namespace Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// A test that needs the gateway in this process (an <see cref="System.Diagnostics.ActivityListener"/>
/// sees only this process's spans; a fake clock reaches only an in-process gateway); skipped, with the
/// reason, when GATEWAY_BINARY runs the AOT binary.
/// </summary>
public sealed class InProcessFactAttribute : FactAttribute
{
    private const string DefaultReason = "Needs an in-process ActivityListener; with GATEWAY_BINARY the gateway runs in another process.";

    public InProcessFactAttribute()
    {
        if (GatewayUnderTest.UsesBinary) Skip = DefaultReason;
    }

    /// <summary>Why the test needs the gateway in process (shown as the skip reason against the binary).</summary>
    public string Reason
    {
        get => Skip ?? DefaultReason;
        init
        {
            if (GatewayUnderTest.UsesBinary) Skip = value;
        }
    }
}
