using Gateway.Config;
using Gateway.Routing;
using Gateway.Tests.Config;

namespace Gateway.Tests.Routing;

/// <summary>A routing table over mock providers a, b, c (model m each), built from YAML like the gateway builds it.</summary>
internal sealed class RoutingFixture : IDisposable
{
    private const string Providers = """
        providers:
          - {name: a, type: mock, models: [m]}
          - {name: b, type: mock, models: [m]}
          - {name: c, type: mock, models: [m]}

        """;

    /// <param name="time">The routing clock (a fake one the test moves); the system clock when null.</param>
    public RoutingFixture(string routingYaml, TimeProvider? time = null)
    {
        Config = ConfigText.Load(Providers + routingYaml);
        Catalog = new ModelCatalog(Config, _upstreams);
        Table = new RoutingTable(Config, Catalog, new HealthRegistry(time ?? TimeProvider.System));
    }

    private readonly Gateway.Providers.UpstreamRegistry _upstreams = new(TimeProvider.System);

    public GatewayConfig Config { get; }
    public ModelCatalog Catalog { get; }
    public RoutingTable Table { get; }

    public LoadBalancer Balancer(string virtualModel)
    {
        Assert.True(Table.TryGetVirtualModel(virtualModel, out var vm));
        return vm.Balancer;
    }

    public TargetHealth Health(string id) => Table.HealthOf(id);

    /// <summary>The target ids of a plan, in order.</summary>
    public static string[] Ids(IReadOnlyList<RouteStep> steps) => steps.Select(s => s.Target.Id).ToArray();

    public static string VirtualModel(string type, string targets, string health = "") => $$"""
        {{health}}
        virtual_models:
          - name: v
            routing_config:
              type: {{type}}
              load_balance_targets:
        {{targets}}
        """;

    public void Dispose() => _upstreams.Dispose();
}
