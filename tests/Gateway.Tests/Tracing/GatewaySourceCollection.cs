namespace Gateway.Tests.Tracing;

/// <summary>Tests that listen to the gateway's process-wide ActivitySource run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GatewaySourceCollection
{
    public const string Name = "Gateway ActivitySource";
}
