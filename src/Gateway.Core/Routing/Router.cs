using Gateway.OpenAI;
using Gateway.Proxy;
using Gateway.Providers;

namespace Gateway.Routing;

/// <summary>
/// Turns the requested model name into a <see cref="RoutePlan"/>. A plain <c>provider/model</c> gives a
/// one-step plan; virtual models and routing rules (the routing issue) give ordered, weighted plans.
/// </summary>
internal static class Router
{
    public static bool TryPlan(ModelCatalog catalog, Exchange exchange, Operation op, out RoutePlan plan, out GatewayError? error)
    {
        var model = exchange.Head.Model!;
        error = null;
        if (!catalog.TryGet(model, out var target))
        {
            plan = null!;
            error = GatewayError.ModelNotFound(model);
            return false;
        }
        if (!target.Supports(op))
        {
            plan = null!;
            error = GatewayError.InvalidField("model", $"The model '{target.Id}' does not support {Describe(op)} requests.");
            return false;
        }
        plan = target.DirectPlan;
        return true;
    }

    public static string Describe(Operation op) => op switch
    {
        Operation.Chat => "chat completion",
        Operation.Completion => "completion",
        _ => "embedding",
    };
}
