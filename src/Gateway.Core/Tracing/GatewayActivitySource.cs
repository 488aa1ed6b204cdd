using System.Diagnostics;

namespace Gateway.Tracing;

/// <summary>The one ActivitySource of the gateway (DESIGN.md decision 5): spans cost nothing when nobody listens.</summary>
internal static class GatewayActivitySource
{
    public const string Name = "Gateway";
    public const string Version = "0.1.0";
    public static readonly ActivitySource Instance = new(Name, Version);
}
