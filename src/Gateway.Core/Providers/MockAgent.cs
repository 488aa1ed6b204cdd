using System.Buffers;
using System.Text.Json;

namespace Gateway.Providers;

/// <summary>
/// How the mock provider plays agent, so the agent loop runs offline (docs/agents-and-mcp.md). When tools are
/// offered and the last message is not a tool result, the mock calls tools instead of answering:
/// <list type="bullet">
/// <item>which: every offered tool whose name appears in the last user message (whole word, case-insensitive),
/// in the order offered, several in one turn; when none is named, the first tool offered;</item>
/// <item>with arguments that fit the tool's JSON schema: each property in <c>required</c> (every property when
/// the schema has no <c>required</c>) gets its <c>default</c>, else its first <c>enum</c> value, else by type: a
/// string is the last user message (for <c>message</c>, <c>text</c>, <c>query</c>, <c>input</c>, <c>prompt</c>)
/// or <c>"mock"</c>; an integer or number its <c>minimum</c> or 2; a boolean true; an array []; an object {}.</item>
/// </list>
/// When the last message is a tool result, the mock answers with text that includes it.
/// </summary>
internal static class MockAgent
{
    private static readonly string[] s_textNames = ["message", "text", "query", "input", "prompt"];

    /// <summary>The tool calls for this turn (name, JSON arguments); empty when the mock answers with text.</summary>
    public static List<(string Name, string Arguments)> Choose(IReadOnlyList<(string Name, JsonElement Parameters)> tools, string lastUserText)
    {
        var calls = new List<(string, string)>();
        if (tools.Count == 0) return calls;
        foreach (var tool in tools)
        {
            if (Names(lastUserText, tool.Name)) calls.Add((tool.Name, Arguments(tool.Parameters, lastUserText)));
        }
        if (calls.Count == 0) calls.Add((tools[0].Name, Arguments(tools[0].Parameters, lastUserText)));
        return calls;
    }

    private static bool Names(string text, string name)
    {
        for (var at = text.IndexOf(name, StringComparison.OrdinalIgnoreCase); at >= 0; at = text.IndexOf(name, at + 1, StringComparison.OrdinalIgnoreCase))
        {
            var before = at == 0 || !IsWordChar(text[at - 1]);
            var end = at + name.Length;
            var after = end == text.Length || !IsWordChar(text[end]);
            if (before && after) return true;
        }
        return false;
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '-';

    internal static string Arguments(JsonElement schema, string lastUserText)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
            {
                HashSet<string>? required = null;
                if (schema.TryGetProperty("required", out var req) && req.ValueKind == JsonValueKind.Array)
                {
                    required = req.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.String).Select(r => r.GetString()!).ToHashSet(StringComparer.Ordinal);
                }
                foreach (var property in properties.EnumerateObject())
                {
                    if (required is not null && !required.Contains(property.Name)) continue;
                    w.WritePropertyName(property.Name);
                    WriteValue(w, property.Name, property.Value, lastUserText);
                }
            }
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteValue(Utf8JsonWriter w, string name, JsonElement schema, string lastUserText)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            w.WriteStringValue("mock");
            return;
        }
        if (schema.TryGetProperty("default", out var value) || schema.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array && values.GetArrayLength() > 0 && (value = values[0]).ValueKind != JsonValueKind.Undefined)
        {
            value.WriteTo(w);
            return;
        }
        var type = schema.TryGetProperty("type", out var t) ? t.ValueKind == JsonValueKind.String ? t.GetString() : t.ValueKind == JsonValueKind.Array && t.GetArrayLength() > 0 ? t[0].GetString() : null : null;
        switch (type)
        {
            case "integer" or "number":
                if (schema.TryGetProperty("minimum", out var min) && min.ValueKind == JsonValueKind.Number) min.WriteTo(w);
                else w.WriteNumberValue(2);
                break;
            case "boolean":
                w.WriteBooleanValue(true);
                break;
            case "array":
                w.WriteStartArray();
                w.WriteEndArray();
                break;
            case "object":
                w.WriteStartObject();
                w.WriteEndObject();
                break;
            default:
                w.WriteStringValue(Array.IndexOf(s_textNames, name.ToLowerInvariant()) >= 0 ? lastUserText : "mock");
                break;
        }
    }
}
