using Gateway.OpenAI;
using Gateway.Providers;

namespace Gateway.Pipeline;

/// <summary>
/// A stage's hold on the answer (output guardrails): it wraps the client's sink before the upstream call, and
/// decides once the call is done what the client finally gets. Set on the context by a stage before routing;
/// the call stage applies it, so neither the model caller nor the SSE pump knows about it.
/// </summary>
internal interface IResponseFilter
{
    IResponseSink Wrap(IResponseSink client);

    /// <param name="callError">The call's own error (nothing reached the sink), which the filter passes on or replaces.</param>
    /// <returns>An error for the client when nothing has been sent yet; null when the answer was delivered (or ended) by the filter.</returns>
    ValueTask<GatewayError?> CompleteAsync(RequestContext context, IResponseSink sink, GatewayError? callError, CancellationToken ct);
}
