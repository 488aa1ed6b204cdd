namespace Gateway.McpGateway;

/// <summary>The JSON-RPC response to one request: its bytes, and for an error response its code and message (for the span).</summary>
internal sealed record McpGatewayAnswer(byte[] Body, int? ErrorCode = null, string? ErrorMessage = null);
