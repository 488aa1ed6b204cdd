using Gateway.OpenAI;
using Gateway.Providers;
using Gateway.Routing;

namespace Gateway.Pipeline.Stages;

/// <summary>Runs the plan (retries, fallback) into the request's sink (the client's response, or an agent turn's buffer), through the context's response filter if a stage set one.</summary>
internal sealed class CallUpstreamStage(PlanExecutor executor) : IRequestStage
{
    public string Name => "call upstream";

    public async ValueTask<GatewayError?> RunAsync(RequestContext context, CancellationToken ct)
    {
        var sink = context.Sink ?? new ClientSink(context);
        if (context.ResponseFilter is not { } filter)
        {
            return await executor.ExecuteAsync(context.Exchange, context.Plan!, context.Body!, context.BodyLength, context.Timeouts, sink).ConfigureAwait(false);
        }
        sink = filter.Wrap(sink);
        var error = await executor.ExecuteAsync(context.Exchange, context.Plan!, context.Body!, context.BodyLength, context.Timeouts, sink).ConfigureAwait(false);
        return await filter.CompleteAsync(context, sink, error, ct).ConfigureAwait(false);
    }
}
