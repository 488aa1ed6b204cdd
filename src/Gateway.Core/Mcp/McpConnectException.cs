namespace Gateway.Mcp;

/// <summary>Connecting to, initializing or listing an MCP server failed; <see cref="Code"/> goes into <c>tfy.mcp_server.error_code</c>.</summary>
internal sealed class McpConnectException(string code, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Code { get; } = code;
}
