using System.Text.Json.Serialization;

namespace Gateway.Config;

/// <summary>An <c>mcp_servers</c> entry's <c>type</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<McpServerKind>))]
internal enum McpServerKind
{
    /// <summary>A Streamable HTTP MCP server at <c>url</c>.</summary>
    Remote,
    /// <summary>Tools of other entries under one name (the reference's <c>mcp-server/virtual</c>).</summary>
    Virtual,
}
