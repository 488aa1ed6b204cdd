using System.Buffers;
using System.Text.Json;

namespace Gateway.Providers.Anthropic;

/// <summary>The JSON helpers the translations share.</summary>
internal static class TranslationJson
{
    /// <summary>For translated bodies: JSON for API clients, never embedded in HTML, so text stays as written (no \u0022).</summary>
    public static readonly JsonWriterOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes a property name and hands the writer back for its value: <c>value.WriteTo(w.Property("x"))</c>.</summary>
    public static Utf8JsonWriter Property(this Utf8JsonWriter writer, string name)
    {
        writer.WritePropertyName(name);
        return writer;
    }

    internal static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    internal static long? Long(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var l) ? l : null;

    internal static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }

    /// <summary>Anthropic <c>tool_use</c> blocks as OpenAI's <c>tool_calls</c> (the input object as arguments text); nothing when there are none.</summary>
    internal static void WriteToolCalls(Utf8JsonWriter w, IReadOnlyList<JsonElement> toolUses)
    {
        if (toolUses.Count == 0) return;
        w.WriteStartArray("tool_calls");
        foreach (var call in toolUses)
        {
            w.WriteStartObject();
            w.WriteString("id", Str(call, "id"));
            w.WriteString("type", "function");
            w.WriteStartObject("function");
            w.WriteString("name", Str(call, "name"));
            w.WriteString("arguments", call.TryGetProperty("input", out var input) ? input.GetRawText() : "{}");
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>An OpenAI tool call as an Anthropic <c>tool_use</c> block: the arguments text parsed into <c>input</c>.</summary>
    internal static void WriteToolUse(Utf8JsonWriter w, JsonElement call)
    {
        if (!call.TryGetProperty("function", out var function)) return;
        w.WriteStartObject();
        w.WriteString("type", "tool_use");
        w.WriteString("id", Str(call, "id") ?? "");
        w.WriteString("name", Str(function, "name") ?? "");
        w.WritePropertyName("input");
        var arguments = Str(function, "arguments");
        try
        {
            using var parsed = JsonDocument.Parse(string.IsNullOrWhiteSpace(arguments) ? "{}" : arguments);
            parsed.RootElement.WriteTo(w);
        }
        catch (JsonException)
        {
            // Not JSON (a model's broken output): kept, as text, rather than dropped.
            w.WriteStartObject();
            w.WriteString("arguments", arguments);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }
}
