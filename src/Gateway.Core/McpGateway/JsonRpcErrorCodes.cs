namespace Gateway.McpGateway;

/// <summary>JSON-RPC 2.0 error codes (https://www.jsonrpc.org/specification#error_object), as MCP uses them.</summary>
internal static class JsonRpcErrorCodes
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    /// <summary>MCP: "Unknown tools" and invalid arguments are protocol errors with this code (spec, Tools, Error Handling).</summary>
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;
}
