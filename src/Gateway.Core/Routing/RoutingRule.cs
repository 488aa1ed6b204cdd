using Gateway.Auth;
using Gateway.Config;

namespace Gateway.Routing;

/// <summary>
/// A compiled <c>routing.rules</c> entry.
/// </summary>
internal sealed class RoutingRule
{
    private readonly RuleMatcher _when;

    public RoutingRule(RoutingRuleConfig config, LoadBalancer balancer)
    {
        Id = config.Id;
        AppliedIds = [config.Id];
        Balancer = balancer;
        _when = new RuleMatcher(config.When);
        var shared = ModelTypes.Chat | ModelTypes.Completion | ModelTypes.Embedding;
        foreach (var t in balancer.Targets) shared &= t.Step.Target.Model.Types;
        Types = shared;
    }

    public string Id { get; }
    /// <summary><c>[Id]</c>, built once for <see cref="RoutePlan.AppliedRuleIds"/>.</summary>
    public IReadOnlyList<string> AppliedIds { get; }
    public LoadBalancer Balancer { get; }
    /// <summary>The request types every target serves.</summary>
    public ModelTypes Types { get; }

    public bool Matches(Subject subject, string model, IReadOnlyDictionary<string, string> metadata) => _when.Matches(subject, model, metadata);
}
