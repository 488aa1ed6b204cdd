using System.Text.Json;

namespace Gateway.Mcp;

/// <summary>A tool an MCP server lists: its name, description and JSON schema of arguments (raw, as the server sent it).</summary>
internal sealed record McpTool(string Name, string? Description, JsonElement InputSchema)
{
    /// <summary>The server's whole tool object (title, annotations, output schema), passed through by the MCP gateway endpoint.</summary>
    public ModelContextProtocol.Protocol.Tool? Protocol { get; init; }
}
