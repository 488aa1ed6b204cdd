using Gateway.OpenAI;

namespace Gateway.Agents;

/// <summary>The agent API's own errors, in OpenAI's shape (DESIGN.md decision 6).</summary>
internal static class AgentErrors
{
    public static GatewayError ServerNotFound(string param, string name) =>
        new(400, "invalid_request_error", "mcp_server_not_found", $"The MCP server '{name}' is not configured (mcp_servers).", param);

    public static GatewayError UrlNotAllowed(string param, string url) =>
        new(403, "permission_error", "mcp_url_not_allowed", $"The MCP server URL '{url}' is not allowed: it matches no pattern of mcp_allowed_urls.", param);

    public static GatewayError HeaderNotAllowed(string param, string server, string header) =>
        new(400, "invalid_request_error", "mcp_header_not_allowed", $"The header '{header}' may not be set for the MCP server '{server}' (its caller_headers do not list it).", param);

    public static GatewayError ToolNotFound(string param, string server, string tool) =>
        new(400, "invalid_request_error", "tool_not_found", $"The MCP server '{server}' has no tool '{tool}' you may use.", param);

    public static GatewayError ServerUnavailable(string server, string detail) =>
        new(502, "upstream_error", "mcp_server_unavailable", $"The MCP server '{server}' could not be used: {detail}");

    public static GatewayError BadTurn(int status, string detail) =>
        new(status is >= 400 and < 600 ? status : 502, "upstream_error", "agent_model_error", "The model call of an agent turn failed: " + detail);
}
