using Gateway.OpenAI;
using Gateway.Providers;
using Gateway.Routing;

namespace Gateway.Pipeline.Stages;

/// <summary>Runs the plan (retries, fallback) into the request's sink: the client's response, or an agent turn's buffer.</summary>
internal sealed class CallUpstreamStage(PlanExecutor executor) : IRequestStage
{
    public string Name => "call upstream";

    public async ValueTask<GatewayError?> RunAsync(RequestContext context, CancellationToken ct) =>
        await executor.ExecuteAsync(context.Exchange, context.Plan!, context.Body!, context.BodyLength, context.Timeouts, context.Sink ?? new ClientSink(context.Http)).ConfigureAwait(false);
}
