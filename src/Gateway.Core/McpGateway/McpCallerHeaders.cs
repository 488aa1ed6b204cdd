using System.Text.Json;
using Gateway.Agents;
using Gateway.Config;
using Gateway.OpenAI;

namespace Gateway.McpGateway;

/// <summary>
/// The <c>x-tfy-mcp-headers</c> request header as the MCP gateway endpoint reads it: headers the caller wants sent
/// to MCP servers, as a JSON object keyed by server name or FQN (<c>{"tickets": {"X-User-Token": "u-123"}}</c>), the
/// shape the agent API reads. The entry of the endpoint's server applies (for a virtual server, to each of its
/// members); entries for other servers are left alone, so a client may send one header to several endpoints.
/// A header the server's <c>caller_headers</c> do not list is refused (400) rather than dropped, so a caller never
/// believes a credential reached a server that did not get it.
/// </summary>
internal static class McpCallerHeaders
{
    public const string HeaderName = "x-tfy-mcp-headers";

    /// <returns>The headers for <paramref name="server"/> (null: none), or an error.</returns>
    public static GatewayError? TryParse(string? value, McpServerConfig server, out IReadOnlyDictionary<string, string>? headers)
    {
        headers = null;
        if (string.IsNullOrWhiteSpace(value)) return null;
        Dictionary<string, Dictionary<string, string>>? perServer;
        try
        {
            perServer = JsonSerializer.Deserialize(value, AgentJsonContext.Wire.DictionaryStringDictionaryStringString);
        }
        catch (JsonException e)
        {
            return new GatewayError(400, "invalid_request_error", "invalid_header", $"The {HeaderName} header must be a JSON object of server name -> {{header: value}}: {e.Message}", HeaderName);
        }
        if (perServer is null || !(perServer.TryGetValue(server.Name, out var mine) || perServer.TryGetValue(server.Fqn, out mine))) return null;
        foreach (var header in mine.Keys)
        {
            if (!server.AllowsCallerHeader(header)) return AgentErrors.HeaderNotAllowed(HeaderName, server.Name, header);
        }
        headers = mine;
        return null;
    }
}
