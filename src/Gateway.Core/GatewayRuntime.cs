using Gateway.Config;
using Gateway.Routing;

namespace Gateway;

/// <summary>
/// The live state the request path reads: one immutable snapshot behind a volatile field, swapped
/// whole when configuration changes (DESIGN.md decision 4).
/// </summary>
internal sealed class GatewayRuntime : IDisposable
{
    private volatile Snapshot _current;

    public GatewayRuntime(GatewayConfig config) => _current = new Snapshot(config);

    public Snapshot Current => _current;

    public void Dispose() => _current.Catalog.Dispose();

    internal sealed class Snapshot(GatewayConfig config)
    {
        public GatewayConfig Config { get; } = config;
        public ModelCatalog Catalog { get; } = new(config);
    }
}
