using Gateway.Auth;
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

    /// <param name="time">The clock of target health cool-downs (tests pass a fake one).</param>
    public GatewayRuntime(GatewayConfig config, TimeProvider? time = null)
    {
        Time = time ?? TimeProvider.System;
        _current = new Snapshot(config, Time);
    }

    public TimeProvider Time { get; }

    public Snapshot Current => _current;

    public void Dispose() => _current.Catalog.Dispose();

    internal sealed class Snapshot
    {
        public Snapshot(GatewayConfig config, TimeProvider time)
        {
            Config = config;
            Catalog = new ModelCatalog(config);
            Routing = new RoutingTable(config, Catalog, time);
            Keys = new ApiKeyStore(config.ApiKeys);
        }

        public GatewayConfig Config { get; }
        public ModelCatalog Catalog { get; }
        /// <summary>Rules, virtual models and target health (Routing/).</summary>
        public RoutingTable Routing { get; }
        public ApiKeyStore Keys { get; }
    }
}
