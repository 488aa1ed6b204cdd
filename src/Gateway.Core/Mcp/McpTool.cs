using System.Text.Json;

namespace Gateway.Mcp;

/// <summary>A tool an MCP server lists: its name, description and JSON schema of arguments (raw, as the server sent it).</summary>
internal sealed record McpTool(string Name, string? Description, JsonElement InputSchema);
