using Gateway.OpenAI;
using Gateway.Routing;

namespace Gateway.Pipeline.Stages;

/// <summary>Model name to <see cref="RoutePlan"/> (routing rules, virtual models, provider models); the loadBalanceMiddleware span.</summary>
internal sealed class RouteStage : IRequestStage
{
    public static readonly RouteStage Instance = new();

    public string Name => "route";

    public ValueTask<GatewayError?> RunAsync(RequestContext context, CancellationToken ct)
    {
        var exchange = context.Exchange;
        var spans = RoutingSpans.Enabled;
        var planStart = spans ? DateTimeOffset.UtcNow : default;
        if (!Router.TryPlan(context.Snapshot.Routing, exchange, exchange.Operation, context.RetryOverride, out var plan, out var error))
        {
            return ValueTask.FromResult(error);
        }
        context.Plan = exchange.Plan = plan;
        exchange.Target = plan.Steps[0].Target;
        if (spans && plan.IsBalanced) RoutingSpans.LoadBalance(context.Http.Request, exchange, plan, planStart, DateTimeOffset.UtcNow);
        return ValueTask.FromResult<GatewayError?>(null);
    }
}
