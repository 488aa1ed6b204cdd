using System.Collections.Frozen;
using Gateway.Config;

namespace Gateway.Routing;

/// <summary>
/// The routing state of one config snapshot: rules in order, virtual models by name, a prebuilt
/// one-step plan per provider model, and one <see cref="TargetHealth"/> per provider model shared by
/// every plan that can reach it (the health of openai-main/gpt-4o does not depend on who routed there).
/// The health objects come from the <see cref="HealthRegistry"/>, so they survive reloads.
/// </summary>
internal sealed class RoutingTable
{
    private readonly FrozenDictionary<string, VirtualModel> _virtualModels;
    private readonly FrozenDictionary<string, RoutePlan> _direct;
    private readonly FrozenDictionary<string, TargetHealth> _health;
    private readonly FrozenDictionary<string, string> _aliases;

    public RoutingTable(GatewayConfig config, ModelCatalog catalog, HealthRegistry health)
    {
        Catalog = catalog;
        Time = health.Time;
        var options = config.Routing.Health;
        _health = catalog.All.ToFrozenDictionary(t => t.Id, t => health.Get(t.Id, options), StringComparer.Ordinal);
        _direct = catalog.All.ToFrozenDictionary(
            t => t.Id,
            t => new RoutePlan([new RouteStep(t) { Health = _health[t.Id] }]) { RequestedModel = t.Id },
            StringComparer.Ordinal);
        _virtualModels = config.VirtualModels.ToFrozenDictionary(
            vm => vm.Name,
            vm => new VirtualModel(vm.Name, vm.Types, Create(vm.Routing)),
            StringComparer.Ordinal);
        _aliases = config.ModelAliases.ToFrozenDictionary(StringComparer.Ordinal);
        Rules = config.Routing.Rules.Select(r => new RoutingRule(r, Create(r.Routing))).ToArray();
    }

    public ModelCatalog Catalog { get; }
    /// <summary>Routing decisions read "now" from here: the same clock the health of every target uses.</summary>
    public TimeProvider Time { get; }
    public IReadOnlyList<RoutingRule> Rules { get; }
    public IEnumerable<VirtualModel> VirtualModels => _virtualModels.Values;

    /// <summary>The provider model or virtual model a <c>model_aliases</c> name stands for.</summary>
    public bool TryResolveAlias(string name, out string target) => _aliases.TryGetValue(name, out target!);

    public bool TryGetVirtualModel(string name, out VirtualModel model) => _virtualModels.TryGetValue(name, out model!);

    public bool TryGetDirect(string id, out RoutePlan plan) => _direct.TryGetValue(id, out plan!);

    public TargetHealth HealthOf(string id) => _health[id];

    private LoadBalancer Create(LoadBalancingConfig config) =>
        LoadBalancer.Create(config, id => Catalog.TryGet(id, out var t) ? t : throw new InvalidOperationException("unvalidated target " + id), HealthOf);
}
