using Gateway.OpenAI;

namespace Gateway.McpGateway;

/// <summary>The endpoint's HTTP-level errors, in OpenAI's shape like every other gateway error (DESIGN.md decision 6).</summary>
internal static class McpGatewayErrors
{
    public static GatewayError ServerNotFound(string name) =>
        new(404, "invalid_request_error", "mcp_server_not_found", $"The MCP server '{name}' does not exist or you do not have access to it.");

    public static GatewayError MethodNotAllowed(string method, string path) =>
        new(405, "invalid_request_error", "method_not_allowed",
            $"{method} is not supported on {path}: this endpoint answers each POSTed message with JSON and opens no server-to-client stream.");
}
