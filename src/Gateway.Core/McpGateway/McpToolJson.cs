using System.Text.Json;
using Gateway.Mcp;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Gateway.McpGateway;

/// <summary>
/// Tools and tool results as the endpoint's clients get them: the server's own objects, serialized with the
/// MCP SDK's source-generated contracts (<see cref="McpJsonUtilities.DefaultOptions"/>), so titles, annotations,
/// output schemas, images and structured content pass through unchanged.
/// </summary>
internal static class McpToolJson
{
    public static void Write(Utf8JsonWriter json, McpTool tool)
    {
        if (tool.Protocol is { } protocol)
        {
            JsonSerializer.Serialize(json, protocol, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(Tool)));
            return;
        }
        json.WriteStartObject();
        json.WriteString("name", tool.Name);
        if (tool.Description is not null) json.WriteString("description", tool.Description);
        json.WritePropertyName("inputSchema");
        tool.InputSchema.WriteTo(json);
        json.WriteEndObject();
    }

    /// <summary>The server's <c>CallToolResult</c>; a result the pool made itself (no answer from the server) as one text block.</summary>
    public static void WriteResult(Utf8JsonWriter json, McpToolResult result)
    {
        if (result.Answer is { } answer)
        {
            JsonSerializer.Serialize(json, answer, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(CallToolResult)));
            return;
        }
        json.WriteStartObject();
        json.WriteStartArray("content");
        json.WriteStartObject();
        json.WriteString("type", "text");
        json.WriteString("text", result.Text);
        json.WriteEndObject();
        json.WriteEndArray();
        if (result.IsError) json.WriteBoolean("isError", true);
        json.WriteEndObject();
    }
}
