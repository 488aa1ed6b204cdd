using Gateway.Config;
using Gateway.OpenAI;
using Gateway.Proxy;
using Gateway.Providers;

namespace Gateway.Routing;

/// <summary>
/// Turns the requested model name into a <see cref="RoutePlan"/>: the first routing rule that matches
/// the caller, model and metadata (and serves the request type); else the virtual model of that name;
/// else the provider model of that name, as a one-step plan.
/// </summary>
internal static class Router
{
    public static bool TryPlan(RoutingTable routing, Exchange exchange, Operation op, RetryOverride? retry, out RoutePlan plan, out GatewayError? error)
    {
        var model = exchange.Head.Model!;
        // An alias is the model it names, for rules as much as for lookup: a rule written for
        // openai-main/gpt-4o-mini also applies to a client asking for gpt-4o-mini.
        if (routing.TryResolveAlias(model, out var aliased)) model = aliased;
        error = null;
        var rules = routing.Rules;
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            if (!Serves(rule.Types, op) || !rule.Matches(exchange.Subject, model, exchange.Metadata)) continue;
            var steps = rule.Balancer.Choose(exchange.IsStream, routing.Time.GetTimestamp());
            if (ServedBy(steps, op) is not { } served)
            {
                plan = null!;
                error = GatewayError.InvalidField("model", $"No target of the routing rule '{rule.Id}' serves {Describe(op)} requests.");
                return false;
            }
            plan = new RoutePlan(WithRetry(served, retry)) { RequestedModel = exchange.Head.Model, AppliedRuleIds = rule.AppliedIds, ConfigId = rule.Id };
            return true;
        }
        if (routing.TryGetVirtualModel(model, out var vm))
        {
            if (!Serves(vm.Types, op))
            {
                plan = null!;
                error = GatewayError.InvalidField("model", $"The model '{vm.Name}' does not support {Describe(op)} requests.");
                return false;
            }
            var steps = vm.Balancer.Choose(exchange.IsStream, routing.Time.GetTimestamp());
            if (ServedBy(steps, op) is not { } served)
            {
                plan = null!;
                error = GatewayError.InvalidField("model", $"No target of the model '{vm.Name}' serves {Describe(op)} requests.");
                return false;
            }
            plan = new RoutePlan(WithRetry(served, retry)) { RequestedModel = exchange.Head.Model, ConfigId = vm.Name };
            return true;
        }
        if (!routing.TryGetDirect(model, out var direct))
        {
            plan = null!;
            error = GatewayError.ModelNotFound(model);
            return false;
        }
        var target = direct.Steps[0].Target;
        if (!target.Supports(op))
        {
            plan = null!;
            error = GatewayError.InvalidField("model", $"The model '{target.Id}' does not support {Describe(op)} requests.");
            return false;
        }
        plan = retry is null ? direct : new RoutePlan([direct.Steps[0].With(retry)]) { RequestedModel = direct.RequestedModel };
        return true;
    }

    /// <summary>
    /// The steps whose provider serves the operation (count_tokens: Anthropic only), in order; the same list when
    /// all do (no allocation on the common path); null when none does.
    /// </summary>
    private static IReadOnlyList<RouteStep>? ServedBy(IReadOnlyList<RouteStep> steps, Operation op)
    {
        var all = true;
        for (var i = 0; i < steps.Count && all; i++) all = steps[i].Target.Supports(op);
        if (all) return steps;
        var served = new List<RouteStep>(steps.Count);
        for (var i = 0; i < steps.Count; i++) if (steps[i].Target.Supports(op)) served.Add(steps[i]);
        return served.Count == 0 ? null : served;
    }

    private static IReadOnlyList<RouteStep> WithRetry(IReadOnlyList<RouteStep> steps, RetryOverride? retry)
    {
        if (retry is null) return steps;
        var copy = new RouteStep[steps.Count];
        for (var i = 0; i < copy.Length; i++) copy[i] = steps[i].With(retry);
        return copy;
    }

    private static bool Serves(ModelTypes types, Operation op) => (types & op.ModelType()) != 0;

    public static string Describe(Operation op) => op switch
    {
        Operation.Chat or Operation.Messages => "chat completion",
        Operation.CountTokens => "count_tokens",
        Operation.Completion => "completion",
        Operation.Responses => "response",
        Operation.Rerank => "rerank",
        Operation.AgentResponses => "agent response",
        _ => "embedding",
    };
}
