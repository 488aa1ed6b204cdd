using Gateway.OpenAI;
using Gateway.Proxy;
using Gateway.Streaming;
using Microsoft.Extensions.Logging;

namespace Gateway.Pipeline.Stages;

/// <summary>
/// Opens the request's trace once its head is known and closes it when the request ends. Placed before
/// limits and routing, so their spans nest under the request's root span.
/// </summary>
internal sealed class TraceStage(IExchangeListener listener, ILogger logger) : IRequestStage
{
    public string Name => "trace";

    public ValueTask<GatewayError?> RunAsync(RequestContext context, CancellationToken ct)
    {
        var exchange = context.Exchange;
        var tracing = context.Snapshot.Config.Tracing;
        var headers = context.Http.Request.Headers;
        exchange.Accumulator = new CompletionAccumulator(listener.WantsResponseDetails && tracing.CaptureContent, tracing.MaxContentChars);
        exchange.RequestBody = context.BodyMemory;
        exchange.TraceParent = headers.TraceParent;
        exchange.TraceState = headers.TraceState;
        try
        {
            listener.OnStart(exchange);
        }
        catch (Exception e)
        {
            ProxyLog.ListenerFailed(logger, e);
        }
        return ValueTask.FromResult<GatewayError?>(null);
    }

    public void OnRequestEnd(RequestContext context)
    {
        try
        {
            listener.OnEnd(context.Exchange);
        }
        catch (Exception e)
        {
            ProxyLog.ListenerFailed(logger, e);
        }
        context.Exchange.RequestBody = default;
    }
}
