using System.Diagnostics;
using Gateway.Proxy;
using Gateway.Tracing;

namespace Gateway.Mcp;

/// <summary>
/// The MCP spans of seed 000 (<c>MCP Server Initialization</c>, <c>Connect to MCP Server</c>, <c>List Tools</c>,
/// <c>Tool Call: &lt;toolName&gt;</c>) with seed 003's <c>tfy.mcp_server.*</c> attributes, children of the current
/// span (the agent root, or the tool call that had to re-initialize). All return null when nothing records;
/// every setter accepts null. URLs go through <see cref="SpanUrl"/> (no user info or query); headers never go in.
/// </summary>
internal static class McpSpans
{
    public const string MethodInitialize = "initialize";
    public const string MethodToolsList = "tools/list";
    public const string MethodToolsCall = "tools/call";

    public static Activity? StartInitialization(McpEndpoint endpoint, Exchange? exchange)
    {
        var span = Start(SpanNames.McpServerInitialization, endpoint, exchange, MethodInitialize);
        span?.SetTag(SpanAttributes.McpServerFqn, endpoint.Fqn);
        return span;
    }

    public static Activity? StartConnect(McpEndpoint endpoint, Exchange? exchange)
    {
        var span = Start(SpanNames.ConnectToMcpServer, endpoint, exchange, MethodInitialize);
        span?.SetTag(SpanAttributes.McpServerUrl, SpanUrl.Of(endpoint.Url));
        return span;
    }

    public static Activity? StartListTools(McpEndpoint endpoint, Exchange? exchange) => Start(SpanNames.ListTools, endpoint, exchange, MethodToolsList);

    /// <summary>The tools callers may use (after the allow-list) and how many the server listed.</summary>
    public static void SetListed(Activity? span, IReadOnlyList<McpTool> allowed, int listed, double latencyMs)
    {
        if (span is not { IsAllDataRequested: true }) return;
        span.SetTag(SpanAttributes.Tools, Names(allowed));
        span.SetTag(SpanAttributes.TfyMcpServerMetricNumberOfTools, listed);
        span.SetTag(SpanAttributes.TfyMcpServerMetricLatencyInMs, Math.Round(latencyMs, 3));
    }

    public static Activity? StartToolCall(McpEndpoint endpoint, Exchange? exchange, string toolName, string? callId, string arguments, IReadOnlyList<McpTool>? tools)
    {
        var span = Start(SpanNames.ToolCallPrefix + toolName, endpoint, exchange, MethodToolsCall);
        if (span is not { IsAllDataRequested: true }) return span;
        var options = (exchange?.ListenerState as ExchangeTrace)?.Options;
        span.SetTag(SpanAttributes.ToolName, toolName);
        span.SetTag(SpanAttributes.TfyMcpServerPrimitiveName, toolName);
        if (options is null || options.CaptureContent) span.SetTag(SpanAttributes.Args, SpanText.Truncate(arguments, options?.MaxContentChars ?? 10_000));
        span.SetTag(SpanAttributes.IntegrationId, endpoint.Name);
        span.SetTag(SpanAttributes.IntegrationFqn, endpoint.Fqn);
        span.SetTag(SpanAttributes.McpServerUrl, SpanUrl.Of(endpoint.Url));
        if (tools is not null) span.SetTag(SpanAttributes.Tools, Names(tools));
        if (tools is not null) span.SetTag(SpanAttributes.TfyMcpServerMetricNumberOfTools, tools.Count);
        span.SetTag(SpanAttributes.GenAiOperationName, OperationNames.ExecuteTool);
        span.SetTag(SpanAttributes.GenAiToolName, toolName);
        if (callId is not null) span.SetTag(SpanAttributes.GenAiToolCallId, callId);
        return span;
    }

    /// <param name="spanText">The result's text as spans may store it (redacted by PII guardrails); null: <c>result.Text</c>.</param>
    public static void SetToolResult(Activity? span, McpToolResult result, Exchange? exchange, string? spanText = null)
    {
        if (span is not { IsAllDataRequested: true }) return;
        var options = (exchange?.ListenerState as ExchangeTrace)?.Options;
        if (options is null || options.CaptureContent) span.SetTag(SpanAttributes.Result, SpanText.Truncate(spanText ?? result.Text, options?.MaxContentChars ?? 10_000));
        span.SetTag(SpanAttributes.Status, result.Status);
        span.SetTag(SpanAttributes.TfyMcpServerIsToolCallExecutionError, result.IsExecutionError);
        span.SetTag(SpanAttributes.TfyMcpServerMetricLatencyInMs, Math.Round(result.LatencyMs, 3));
        if (!result.IsError) return;
        if (result.ErrorCode is { } code) span.SetTag(SpanAttributes.TfyMcpServerErrorCode, code);
        span.SetTag(SpanAttributes.TfyErrorMessage, SpanText.Truncate(spanText ?? result.Text, 1000));
        span.SetTag(SpanAttributes.ErrorType, result.IsExecutionError ? "tool_error" : result.ErrorCode ?? "error");
        span.SetStatus(ActivityStatusCode.Error, SpanText.Truncate(spanText ?? result.Text, 1000));
    }

    /// <summary>The guardrails that found something in this call's arguments or result (tfy.triggered_guardrail_fqns, as on the request's root).</summary>
    public static void SetGuardrails(Activity? span, IReadOnlyList<string>? pre, IReadOnlyList<string>? post)
    {
        if (span is not { IsAllDataRequested: true } || (pre?.Count ?? 0) + (post?.Count ?? 0) == 0) return;
        span.SetTag(SpanAttributes.TfyTriggeredGuardrailFqns, (pre ?? []).Concat(post ?? []).Distinct().ToArray());
    }

    /// <summary>A step that failed (connect, list): the span says why.</summary>
    public static void SetFailed(Activity? span, string code, string message)
    {
        if (span is not { IsAllDataRequested: true }) return;
        span.SetTag(SpanAttributes.TfyMcpServerErrorCode, code);
        span.SetTag(SpanAttributes.TfyErrorMessage, message);
        span.SetTag(SpanAttributes.ErrorType, code);
        span.SetStatus(ActivityStatusCode.Error, message);
    }

    private static Activity? Start(string name, McpEndpoint endpoint, Exchange? exchange, string method)
    {
        var span = GatewaySpans.Start(name, exchange, SpanTypes.Mcp);
        if (span is not { IsAllDataRequested: true }) return span;
        span.SetTag(SpanAttributes.TfyMcpServerId, endpoint.Name);
        span.SetTag(SpanAttributes.TfyMcpServerName, endpoint.Name);
        span.SetTag(SpanAttributes.TfyMcpServerServerName, endpoint.Name);
        span.SetTag(SpanAttributes.TfyMcpServerFqn, endpoint.Fqn);
        span.SetTag(SpanAttributes.TfyMcpServerUrl, SpanUrl.Of(endpoint.Url));
        span.SetTag(SpanAttributes.TfyMcpServerMethod, method);
        return span;
    }

    private static string[] Names(IReadOnlyList<McpTool> tools)
    {
        var names = new string[tools.Count];
        for (var i = 0; i < names.Length; i++) names[i] = tools[i].Name;
        return names;
    }
}
