using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Gateway.OpenAI;

/// <summary>
/// Writes errors in OpenAI's shape: <c>{"error":{"message","type","param","code"}}</c> (DESIGN.md decision 6).
/// </summary>
internal static class ErrorWriter
{
    // Relaxed escaping: these bodies are JSON for API clients, never embedded in HTML.
    private static readonly JsonWriterOptions s_options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Serialize(string message, string type, string? code, string? param = null)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, s_options))
        {
            Write(writer, message, type, code, param);
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static void Write(Utf8JsonWriter writer, string message, string type, string? code, string? param)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error"u8);
        writer.WriteString("message"u8, message);
        writer.WriteString("type"u8, type);
        if (param is null) writer.WriteNull("param"u8); else writer.WriteString("param"u8, param);
        if (code is null) writer.WriteNull("code"u8); else writer.WriteString("code"u8, code);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public static Task WriteAsync(HttpContext context, GatewayError error)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            // Headers are gone: the only honest signal left is to break the connection.
            context.Abort();
            return Task.CompletedTask;
        }
        response.StatusCode = error.Status;
        response.ContentType = "application/json";
        if (error.RetryAfterSeconds is int retry)
        {
            response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        var body = Serialize(error.Message, error.Type, error.Code, error.Param);
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body).AsTask();
    }
}
