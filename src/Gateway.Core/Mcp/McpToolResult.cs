namespace Gateway.Mcp;

/// <summary>
/// What a tool call returned, as a value: the text the model gets (content blocks joined, or the error), whether
/// it failed, and how. <see cref="IsExecutionError"/>: the tool ran and reported an error (<c>isError</c>, seed 003's
/// <c>is_tool_call_execution_error</c>); <see cref="ErrorCode"/>: the JSON-RPC error of a call the server refused,
/// or a gateway code (<c>timeout</c>, <c>unreachable</c>) when no answer came, or a guardrail's
/// (<c>guardrail_violation</c>, <c>guardrail_unavailable</c>) when an MCP tool hook stopped the call or its result.
/// </summary>
internal sealed record McpToolResult(string Text, bool IsError, bool IsExecutionError, string? ErrorCode, double LatencyMs)
{
    public string Status => IsError ? "error" : "success";

    /// <summary>The server's whole answer when it gave one (images, structured content), passed through by the MCP gateway endpoint.</summary>
    public ModelContextProtocol.Protocol.CallToolResult? Answer { get; init; }
}
