using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Gateway.Providers.Anthropic;

/// <summary>
/// An Anthropic Messages request (<c>POST /v1/messages</c>) as an OpenAI chat completion request, for an
/// OpenAI-compatible upstream: <c>system</c> becomes the first message; <c>tool_use</c> blocks become the
/// assistant's <c>tool_calls</c> (the input object as arguments text) and <c>tool_result</c> blocks
/// <c>tool</c> messages, in order; images become <c>image_url</c> parts (base64 as a data URL);
/// <c>tools</c>, <c>tool_choice</c> and <c>disable_parallel_tool_use</c> map to their OpenAI forms; streams
/// ask for usage. Thinking blocks and server tools have no OpenAI counterpart and are left out.
/// </summary>
internal static class MessagesToChatRequest
{
    public static byte[] Translate(ReadOnlySpan<byte> messagesBody)
    {
        using var doc = JsonDocument.Parse(messagesBody.ToArray());
        var root = doc.RootElement;
        var output = new ArrayBufferWriter<byte>(messagesBody.Length + 256);
        using (var w = new Utf8JsonWriter(output, TranslationJson.Options))
        {
            w.WriteStartObject();
            var stream = false;
            foreach (var p in root.EnumerateObject())
            {
                switch (p.Name)
                {
                    case "model" or "max_tokens" or "temperature" or "top_p":
                        p.WriteTo(w);
                        break;
                    case "stream":
                        p.WriteTo(w);
                        stream = p.Value.ValueKind == JsonValueKind.True;
                        break;
                    case "stop_sequences" when p.Value.ValueKind == JsonValueKind.Array:
                        p.Value.WriteTo(w.Property("stop"));
                        break;
                    case "metadata" when p.Value.ValueKind == JsonValueKind.Object && TranslationJson.Str(p.Value, "user_id") is { } user:
                        w.WriteString("user", user);
                        break;
                    case "tools" when p.Value.ValueKind == JsonValueKind.Array:
                        WriteTools(w, p.Value);
                        break;
                    case "tool_choice" when p.Value.ValueKind == JsonValueKind.Object:
                        WriteToolChoice(w, p.Value);
                        break;
                }
            }
            // Usage comes in the last chunk only when asked for; the Anthropic answer needs it.
            if (stream)
            {
                w.WriteStartObject("stream_options");
                w.WriteBoolean("include_usage", true);
                w.WriteEndObject();
            }
            w.WriteStartArray("messages");
            if (root.TryGetProperty("system", out var system)) WriteSystem(w, system);
            if (root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
            {
                foreach (var m in messages.EnumerateArray()) WriteMessage(w, m);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return output.WrittenSpan.ToArray();
    }

    private static void WriteSystem(Utf8JsonWriter w, JsonElement system)
    {
        var text = TextOf(system);
        if (text.Length == 0) return;
        w.WriteStartObject();
        w.WriteString("role", "system");
        w.WriteString("content", text);
        w.WriteEndObject();
    }

    /// <summary>A string, or the text blocks of an array, joined.</summary>
    private static string TextOf(JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.String) return content.GetString()!;
        if (content.ValueKind != JsonValueKind.Array) return "";
        var text = new StringBuilder();
        foreach (var block in content.EnumerateArray())
        {
            if (TranslationJson.Str(block, "type") == "text") text.Append(TranslationJson.Str(block, "text"));
        }
        return text.ToString();
    }

    private static void WriteMessage(Utf8JsonWriter w, JsonElement message)
    {
        var role = TranslationJson.Str(message, "role") ?? "user";
        if (!message.TryGetProperty("content", out var content)) return;
        if (content.ValueKind == JsonValueKind.String)
        {
            w.WriteStartObject();
            w.WriteString("role", role);
            w.WriteString("content", content.GetString());
            w.WriteEndObject();
            return;
        }
        if (content.ValueKind != JsonValueKind.Array) return;
        if (role == "assistant")
        {
            WriteAssistant(w, content);
            return;
        }
        // Tool results first, as tool messages right after the assistant turn that called them; the rest of the turn follows.
        foreach (var block in content.EnumerateArray())
        {
            if (TranslationJson.Str(block, "type") != "tool_result") continue;
            w.WriteStartObject();
            w.WriteString("role", "tool");
            w.WriteString("tool_call_id", TranslationJson.Str(block, "tool_use_id"));
            w.WriteString("content", block.TryGetProperty("content", out var result) ? TextOf(result) : "");
            w.WriteEndObject();
        }
        var parts = content.EnumerateArray().Where(b => TranslationJson.Str(b, "type") is "text" or "image").ToList();
        if (parts.Count == 0) return;
        w.WriteStartObject();
        w.WriteString("role", "user");
        w.WriteStartArray("content");
        foreach (var block in parts)
        {
            w.WriteStartObject();
            if (TranslationJson.Str(block, "type") == "text")
            {
                w.WriteString("type", "text");
                w.WriteString("text", TranslationJson.Str(block, "text"));
            }
            else
            {
                w.WriteString("type", "image_url");
                w.WriteStartObject("image_url");
                w.WriteString("url", ImageUrl(block));
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static string? ImageUrl(JsonElement image)
    {
        if (!image.TryGetProperty("source", out var source)) return null;
        return TranslationJson.Str(source, "type") == "base64"
            ? $"data:{TranslationJson.Str(source, "media_type")};base64,{TranslationJson.Str(source, "data")}"
            : TranslationJson.Str(source, "url");
    }

    private static void WriteAssistant(Utf8JsonWriter w, JsonElement content)
    {
        w.WriteStartObject();
        w.WriteString("role", "assistant");
        var text = TextOf(content);
        if (text.Length > 0) w.WriteString("content", text);
        else w.WriteNull("content");
        var calls = content.EnumerateArray().Where(b => TranslationJson.Str(b, "type") == "tool_use").ToList();
        TranslationJson.WriteToolCalls(w, calls);
        w.WriteEndObject();
    }

    private static void WriteTools(Utf8JsonWriter w, JsonElement tools)
    {
        w.WriteStartArray("tools");
        foreach (var tool in tools.EnumerateArray())
        {
            // Server tools (web_search_..., bash_..., text_editor_...) run at Anthropic; an OpenAI upstream has no such thing.
            if (!tool.TryGetProperty("input_schema", out var schema)) continue;
            w.WriteStartObject();
            w.WriteString("type", "function");
            w.WriteStartObject("function");
            w.WriteString("name", TranslationJson.Str(tool, "name"));
            if (TranslationJson.Str(tool, "description") is { } description) w.WriteString("description", description);
            schema.WriteTo(w.Property("parameters"));
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void WriteToolChoice(Utf8JsonWriter w, JsonElement choice)
    {
        switch (TranslationJson.Str(choice, "type"))
        {
            case "tool":
                w.WriteStartObject("tool_choice");
                w.WriteString("type", "function");
                w.WriteStartObject("function");
                w.WriteString("name", TranslationJson.Str(choice, "name"));
                w.WriteEndObject();
                w.WriteEndObject();
                break;
            case "any":
                w.WriteString("tool_choice", "required");
                break;
            case "none":
                w.WriteString("tool_choice", "none");
                break;
            default:
                w.WriteString("tool_choice", "auto");
                break;
        }
        if (choice.TryGetProperty("disable_parallel_tool_use", out var disable) && disable.ValueKind == JsonValueKind.True) w.WriteBoolean("parallel_tool_calls", false);
    }
}
