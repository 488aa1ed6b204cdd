using System.Text.Json;

namespace Gateway.McpGateway;

/// <summary>
/// One JSON-RPC 2.0 message an MCP client posted (https://www.jsonrpc.org/specification): a request (method and
/// id), a notification (method, no id) or a response to a server request (id, no method). The id is kept raw so
/// it goes back exactly as sent (a string or a number). Valid only while its <see cref="JsonDocument"/> lives.
/// </summary>
internal readonly record struct JsonRpcMessage(string? Method, JsonElement? Id, JsonElement? Params)
{
    public bool IsRequest => Method is not null && Id is not null;
    public bool IsNotification => Method is not null && Id is null;

    /// <summary>The id as text for spans (<c>jsonrpc.request.id</c>).</summary>
    public string? IdText => Id is not { } id ? null : id.ValueKind == JsonValueKind.String ? id.GetString() : id.GetRawText();

    /// <summary>A string member of <see cref="Params"/>, or null.</summary>
    public string? Param(string name) =>
        Params is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>
    /// Reads one message. Spec (Streamable HTTP, 2025-06-18 on): "The body of the POST request MUST be a single
    /// JSON-RPC request, notification, or response", so a batch (an array) is invalid too.
    /// </summary>
    /// <returns>null and an error message when the JSON is not a single JSON-RPC 2.0 message.</returns>
    public static JsonRpcMessage? Read(JsonElement root, out string? error)
    {
        error = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = root.ValueKind == JsonValueKind.Array ? "JSON-RPC batches are not supported; send one message per request." : "A JSON-RPC message must be a JSON object.";
            return null;
        }
        if (!root.TryGetProperty("jsonrpc", out var version) || version.ValueKind != JsonValueKind.String || version.GetString() != "2.0")
        {
            error = "The message must have \"jsonrpc\": \"2.0\".";
            return null;
        }
        JsonElement? id = null;
        if (root.TryGetProperty("id", out var idElement))
        {
            if (idElement.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
            {
                // MCP: "Unlike base JSON-RPC, the ID MUST NOT be null."
                error = "The id must be a string or a number.";
                return null;
            }
            id = idElement;
        }
        string? method = null;
        if (root.TryGetProperty("method", out var m))
        {
            if (m.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(m.GetString()))
            {
                error = "The method must be a non-empty string.";
                return null;
            }
            method = m.GetString();
        }
        else if (id is null || !(root.TryGetProperty("result", out _) || root.TryGetProperty("error", out _)))
        {
            error = "The message is neither a request, a notification nor a response.";
            return null;
        }
        JsonElement? parameters = root.TryGetProperty("params", out var p) ? p : null;
        if (parameters is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Array) })
        {
            error = "The params must be an object.";
            return null;
        }
        return new JsonRpcMessage(method, id, parameters);
    }
}
