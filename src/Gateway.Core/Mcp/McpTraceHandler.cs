using System.Diagnostics;
using Gateway.Tracing;

namespace Gateway.Mcp;

/// <summary>
/// Sends the current span's W3C context (<c>traceparent</c>, <c>tracestate</c>) with every request to an MCP
/// server, so the server's spans join the request's trace (DESIGN.md, Tracing model). The SDK sends a call's
/// HTTP request on the caller's async flow, where the Tool Call (or List Tools) span is current.
/// </summary>
internal sealed class McpTraceHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        if (Activity.Current is { } current) TraceContext.Inject(request, current);
        return base.SendAsync(request, ct);
    }
}
