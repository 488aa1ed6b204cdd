using System.Diagnostics;
using System.Globalization;
using Gateway.Config;
using Gateway.Tracing;

namespace Gateway.McpGateway;

/// <summary>
/// The root span of one MCP message the gateway endpoint serves (<c>tfy.span_type</c> <c>MCP</c>, seed 003's
/// <c>tfy.mcp_server.*</c>), named as OpenTelemetry's MCP conventions name server spans: the method, then the
/// tool for <c>tools/call</c> (<c>tools/call get-sum</c>). The pool's spans (<c>Tool Call: ...</c>, and
/// <c>MCP Server Initialization</c>, <c>Connect to MCP Server</c>, <c>List Tools</c> when a session had to be
/// opened) nest under it. Every setter accepts null and does nothing unless the span records.
/// </summary>
internal static class McpGatewaySpans
{
    public static string Name(string method, string? tool) => tool is null ? method : method + " " + tool;

    /// <summary>What the request is: the endpoint's server (by its name in config), the method and its primitive.</summary>
    public static void SetRequest(Activity? span, McpServerConfig server, JsonRpcMessage message, string? tool, string? protocolVersion, TracingOptions options)
    {
        if (span is not { IsAllDataRequested: true }) return;
        span.SetTag(SpanAttributes.TfyMcpServerId, server.Name);
        span.SetTag(SpanAttributes.TfyMcpServerName, server.Name);
        span.SetTag(SpanAttributes.TfyMcpServerFqn, server.Fqn);
        if (server.Url is { } url) span.SetTag(SpanAttributes.TfyMcpServerUrl, SpanUrl.Of(url));
        span.SetTag(SpanAttributes.TfyMcpServerMethod, message.Method);
        span.SetTag(SpanAttributes.McpMethodName, message.Method);
        if (tool is not null)
        {
            span.SetTag(SpanAttributes.TfyMcpServerPrimitiveName, tool);
            span.SetTag(SpanAttributes.GenAiOperationName, OperationNames.ExecuteTool);
            span.SetTag(SpanAttributes.GenAiToolName, tool);
        }
        if (message.IdText is { } id) span.SetTag(SpanAttributes.JsonRpcRequestId, id);
        if (protocolVersion is not null) span.SetTag(SpanAttributes.McpProtocolVersion, protocolVersion);
        if (options.CaptureContent && message.Params is { } p) span.SetTag(SpanAttributes.TfyInput, SpanText.Truncate(p.GetRawText(), options.MaxContentChars));
    }

    /// <summary>The remote server that served a tool call (for a virtual endpoint, the member that has the tool).</summary>
    public static void SetServedBy(Activity? span, McpServerConfig member)
    {
        if (span is not { IsAllDataRequested: true }) return;
        span.SetTag(SpanAttributes.TfyMcpServerServerName, member.Name);
        if (member.Url is { } url) span.SetTag(SpanAttributes.TfyMcpServerUrl, SpanUrl.Of(url));
    }

    public static void SetNumberOfTools(Activity? span, int count)
    {
        if (span is { IsAllDataRequested: true }) span.SetTag(SpanAttributes.TfyMcpServerMetricNumberOfTools, count);
    }

    /// <summary>A tool call's outcome: whether the tool itself reported an error (<c>isError</c>).</summary>
    public static void SetToolOutcome(Activity? span, bool isExecutionError)
    {
        if (span is not { IsAllDataRequested: true }) return;
        span.SetTag(SpanAttributes.TfyMcpServerIsToolCallExecutionError, isExecutionError);
        if (isExecutionError) span.SetStatus(ActivityStatusCode.Error, "the tool reported an error");
    }

    public const string ClientDisconnected = "client_disconnected";

    /// <summary>The client left before the answer: the span ends with that reason.</summary>
    public static void SetClientGone(Activity? span, double latencyMs)
    {
        if (span is not { IsAllDataRequested: true }) return;
        span.SetTag(SpanAttributes.TfyMcpServerMetricLatencyInMs, Math.Round(latencyMs, 3));
        span.SetTag(SpanAttributes.ErrorType, ClientDisconnected);
        span.SetStatus(ActivityStatusCode.Error, "the client disconnected before the answer");
    }

    /// <summary>The answer: result JSON (when content capture is on), or the JSON-RPC error code and message.</summary>
    public static void SetAnswer(Activity? span, byte[] body, int? errorCode, string? errorMessage, int status, double latencyMs, TracingOptions options)
    {
        if (span is not { IsAllDataRequested: true }) return;
        span.SetTag(SpanAttributes.HttpResponseStatusCode, status);
        span.SetTag(SpanAttributes.TfyMcpServerMetricLatencyInMs, Math.Round(latencyMs, 3));
        if (options.CaptureContent && errorCode is null) span.SetTag(SpanAttributes.TfyOutput, SpanText.Utf8(body, options.MaxContentChars));
        if (errorCode is not { } code) return;
        var text = code.ToString(CultureInfo.InvariantCulture);
        span.SetTag(SpanAttributes.TfyMcpServerErrorCode, text);
        span.SetTag(SpanAttributes.ErrorType, text);
        if (errorMessage is not null) span.SetTag(SpanAttributes.TfyErrorMessage, SpanText.Truncate(errorMessage, 1000));
        span.SetStatus(ActivityStatusCode.Error, errorMessage);
    }
}
