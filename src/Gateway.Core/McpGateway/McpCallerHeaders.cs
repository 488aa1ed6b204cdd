using System.Text.Json;
using Gateway.Config;
using Gateway.OpenAI;

namespace Gateway.McpGateway;

/// <summary>
/// The <c>x-tfy-mcp-headers</c> request header: headers the caller wants sent to MCP servers, as a JSON object
/// keyed by server name (or FQN), e.g. <c>{"github": {"Authorization": "Bearer ghp_..."}}</c>. Only header
/// names the server lists in <c>caller_headers</c> are accepted; any other is refused (400) rather than
/// dropped, so a caller never believes a credential reached a server that did not get it.
/// </summary>
internal static class McpCallerHeaders
{
    public const string HeaderName = "x-tfy-mcp-headers";

    private static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> s_none =
        new Dictionary<string, IReadOnlyDictionary<string, string>>();

    /// <summary>The headers per server name, checked against <paramref name="servers"/> (the servers the request reaches).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Parse(string? value, IReadOnlyList<McpServerConfig> servers, out GatewayError? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(value)) return s_none;
        var result = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(value);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = Invalid("must be a JSON object keyed by MCP server name");
                return s_none;
            }
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                var server = Find(servers, entry.Name);
                if (server is null)
                {
                    error = Invalid($"names '{entry.Name}', which is not an MCP server of this request");
                    return s_none;
                }
                if (entry.Value.ValueKind != JsonValueKind.Object)
                {
                    error = Invalid($"'{entry.Name}' must map to an object of header names and string values");
                    return s_none;
                }
                var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var header in entry.Value.EnumerateObject())
                {
                    if (header.Value.ValueKind != JsonValueKind.String)
                    {
                        error = Invalid($"'{entry.Name}.{header.Name}' must be a string");
                        return s_none;
                    }
                    if (!server.AllowsCallerHeader(header.Name))
                    {
                        error = Invalid($"the MCP server '{server.Name}' does not accept the header '{header.Name}' from callers (caller_headers)");
                        return s_none;
                    }
                    headers[header.Name] = header.Value.GetString()!;
                }
                result[server.Name] = headers;
            }
        }
        catch (JsonException e)
        {
            error = Invalid("is not valid JSON: " + e.Message);
            return s_none;
        }
        return result;
    }

    private static McpServerConfig? Find(IReadOnlyList<McpServerConfig> servers, string nameOrFqn)
    {
        foreach (var s in servers)
        {
            if (s.Name == nameOrFqn || s.Fqn == nameOrFqn) return s;
        }
        return null;
    }

    private static GatewayError Invalid(string detail) => GatewayError.InvalidField(HeaderName, $"The {HeaderName} header {detail}.");
}
