using System.Buffers;
using System.Text.Json;

namespace Gateway.McpGateway;

/// <summary>JSON-RPC 2.0 response bodies, written with <see cref="Utf8JsonWriter"/> (no reflection); the id goes back as the client sent it.</summary>
internal static class JsonRpcResponses
{
    public static byte[] Result(JsonElement? id, Action<Utf8JsonWriter> writeResult)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("jsonrpc", "2.0");
            WriteId(json, id);
            json.WritePropertyName("result");
            writeResult(json);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <param name="id">null when the request could not be read far enough to know it (the spec's <c>"id": null</c>).</param>
    public static byte[] Error(JsonElement? id, int code, string message, Action<Utf8JsonWriter>? writeData = null)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("jsonrpc", "2.0");
            WriteId(json, id);
            json.WriteStartObject("error");
            json.WriteNumber("code", code);
            json.WriteString("message", message);
            if (writeData is not null)
            {
                json.WritePropertyName("data");
                writeData(json);
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteId(Utf8JsonWriter json, JsonElement? id)
    {
        json.WritePropertyName("id");
        if (id is { } value) value.WriteTo(json);
        else json.WriteNullValue();
    }
}
