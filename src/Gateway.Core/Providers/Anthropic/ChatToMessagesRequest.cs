using System.Buffers;
using System.Text.Json;

namespace Gateway.Providers.Anthropic;

/// <summary>
/// An OpenAI chat completion request as an Anthropic Messages request
/// (https://docs.anthropic.com/en/api/messages): system and developer messages become <c>system</c>;
/// assistant <c>tool_calls</c> become <c>tool_use</c> blocks and <c>tool</c> messages <c>tool_result</c>
/// blocks of a user turn (consecutive ones merged, as the API wants turns to alternate); images become
/// base64 or URL image blocks; <c>tools</c>, <c>tool_choice</c> and <c>parallel_tool_calls</c> map to their
/// Anthropic forms; <c>max_tokens</c> (required there) defaults to <see cref="DefaultMaxTokens"/>. Fields with
/// no Anthropic counterpart (<c>n</c>, <c>logprobs</c>, <c>response_format</c>, ...) are left out; an Anthropic
/// <c>thinking</c> or <c>top_k</c> field a client sends goes through.
/// </summary>
internal static class ChatToMessagesRequest
{
    /// <summary>Used when the client sets no limit: the Messages API requires one.</summary>
    public const int DefaultMaxTokens = 4096;

    public static byte[] Translate(ReadOnlySpan<byte> chatBody)
    {
        using var doc = JsonDocument.Parse(chatBody.ToArray());
        var root = doc.RootElement;
        var output = new ArrayBufferWriter<byte>(chatBody.Length + 256);
        using (var w = new Utf8JsonWriter(output, TranslationJson.Options))
        {
            w.WriteStartObject();
            if (root.TryGetProperty("model", out var model)) model.WriteTo(w.Property("model"));
            w.WriteNumber("max_tokens", MaxTokens(root));
            if (root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array) WriteMessages(w, messages);
            foreach (var p in root.EnumerateObject())
            {
                switch (p.Name)
                {
                    case "stream" or "temperature" or "top_p" or "top_k" or "thinking" when p.Value.ValueKind != JsonValueKind.Null:
                        p.WriteTo(w);
                        break;
                    case "stop" when p.Value.ValueKind == JsonValueKind.String:
                        w.WriteStartArray("stop_sequences");
                        w.WriteStringValue(p.Value.GetString());
                        w.WriteEndArray();
                        break;
                    case "stop" when p.Value.ValueKind == JsonValueKind.Array:
                        p.Value.WriteTo(w.Property("stop_sequences"));
                        break;
                    case "user" when p.Value.ValueKind == JsonValueKind.String:
                        w.WriteStartObject("metadata");
                        w.WriteString("user_id", p.Value.GetString());
                        w.WriteEndObject();
                        break;
                    case "tools" when p.Value.ValueKind == JsonValueKind.Array:
                        WriteTools(w, p.Value);
                        break;
                }
            }
            WriteToolChoice(w, root);
            w.WriteEndObject();
        }
        return output.WrittenSpan.ToArray();
    }

    private static long MaxTokens(JsonElement root)
    {
        if (root.TryGetProperty("max_completion_tokens", out var m) && m.TryGetInt64(out var v)) return v;
        if (root.TryGetProperty("max_tokens", out m) && m.TryGetInt64(out v)) return v;
        return DefaultMaxTokens;
    }

    private static void WriteMessages(Utf8JsonWriter w, JsonElement messages)
    {
        var system = new List<JsonElement>();
        foreach (var m in messages.EnumerateArray())
        {
            if (Role(m) is "system" or "developer") system.Add(m);
        }
        if (system.Count > 0)
        {
            w.WriteStartArray("system");
            foreach (var m in system)
            {
                if (m.TryGetProperty("content", out var content)) WriteTextBlocks(w, content);
            }
            w.WriteEndArray();
        }
        w.WriteStartArray("messages");
        string? open = null;
        foreach (var m in messages.EnumerateArray())
        {
            var role = Role(m);
            if (role is "system" or "developer") continue;
            // A tool result is a user turn in Anthropic's shape; consecutive turns of one role are merged.
            var anthropicRole = role == "assistant" ? "assistant" : "user";
            if (open != anthropicRole)
            {
                if (open is not null) EndTurn(w);
                w.WriteStartObject();
                w.WriteString("role", anthropicRole);
                w.WriteStartArray("content");
                open = anthropicRole;
            }
            if (role == "tool")
            {
                w.WriteStartObject();
                w.WriteString("type", "tool_result");
                w.WriteString("tool_use_id", m.TryGetProperty("tool_call_id", out var id) ? id.GetString() : "");
                if (m.TryGetProperty("content", out var result))
                {
                    w.WriteStartArray("content");
                    WriteContentBlocks(w, result);
                    w.WriteEndArray();
                }
                w.WriteEndObject();
                continue;
            }
            if (m.TryGetProperty("content", out var content)) WriteContentBlocks(w, content);
            if (role == "assistant" && m.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
            {
                foreach (var call in calls.EnumerateArray()) TranslationJson.WriteToolUse(w, call);
            }
        }
        if (open is not null) EndTurn(w);
        w.WriteEndArray();
    }

    private static void EndTurn(Utf8JsonWriter w)
    {
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static string? Role(JsonElement message) =>
        message.ValueKind == JsonValueKind.Object && message.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;

    /// <summary>System content: text blocks only.</summary>
    private static void WriteTextBlocks(Utf8JsonWriter w, JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            WriteText(w, content.GetString()!);
            return;
        }
        if (content.ValueKind != JsonValueKind.Array) return;
        foreach (var part in content.EnumerateArray())
        {
            if (part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String) WriteText(w, text.GetString()!);
        }
    }

    private static void WriteContentBlocks(Utf8JsonWriter w, JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            // The API refuses empty text blocks (an assistant turn with only tool calls often has content "").
            if (content.GetString() is { Length: > 0 } s) WriteText(w, s);
            return;
        }
        if (content.ValueKind != JsonValueKind.Array) return;
        foreach (var part in content.EnumerateArray())
        {
            var type = part.TryGetProperty("type", out var t) ? t.GetString() : null;
            if (type == "text" && part.TryGetProperty("text", out var text) && text.GetString() is { Length: > 0 } s)
            {
                WriteText(w, s);
            }
            else if (type == "image_url" && part.TryGetProperty("image_url", out var image))
            {
                var url = image.ValueKind == JsonValueKind.String ? image.GetString() : image.TryGetProperty("url", out var u) ? u.GetString() : null;
                if (url is not null) WriteImage(w, url);
            }
        }
    }

    private static void WriteText(Utf8JsonWriter w, string text)
    {
        w.WriteStartObject();
        w.WriteString("type", "text");
        w.WriteString("text", text);
        w.WriteEndObject();
    }

    /// <summary>A data URL becomes a base64 source, anything else a URL source.</summary>
    private static void WriteImage(Utf8JsonWriter w, string url)
    {
        w.WriteStartObject();
        w.WriteString("type", "image");
        w.WriteStartObject("source");
        var comma = url.IndexOf(',');
        if (url.StartsWith("data:", StringComparison.Ordinal) && comma > 0 && url.AsSpan(0, comma).EndsWith(";base64", StringComparison.Ordinal))
        {
            w.WriteString("type", "base64");
            w.WriteString("media_type", url[5..(comma - 7)]);
            w.WriteString("data", url[(comma + 1)..]);
        }
        else
        {
            w.WriteString("type", "url");
            w.WriteString("url", url);
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteTools(Utf8JsonWriter w, JsonElement tools)
    {
        w.WriteStartArray("tools");
        foreach (var tool in tools.EnumerateArray())
        {
            if (!tool.TryGetProperty("function", out var f)) continue;
            w.WriteStartObject();
            if (f.TryGetProperty("name", out var name)) name.WriteTo(w.Property("name"));
            if (f.TryGetProperty("description", out var description) && description.ValueKind == JsonValueKind.String) description.WriteTo(w.Property("description"));
            w.WritePropertyName("input_schema");
            if (f.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object) parameters.WriteTo(w);
            else
            {
                w.WriteStartObject();
                w.WriteString("type", "object");
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>auto -> auto, required -> any, none -> none, a named function -> tool; parallel_tool_calls: false -> disable_parallel_tool_use.</summary>
    private static void WriteToolChoice(Utf8JsonWriter w, JsonElement root)
    {
        var hasChoice = root.TryGetProperty("tool_choice", out var choice) && choice.ValueKind != JsonValueKind.Null;
        var noParallel = root.TryGetProperty("parallel_tool_calls", out var parallel) && parallel.ValueKind == JsonValueKind.False;
        if (!hasChoice && !noParallel) return;
        w.WriteStartObject("tool_choice");
        if (hasChoice && choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("function", out var f) && f.TryGetProperty("name", out var name))
        {
            w.WriteString("type", "tool");
            name.WriteTo(w.Property("name"));
        }
        else
        {
            w.WriteString("type", (hasChoice && choice.ValueKind == JsonValueKind.String ? choice.GetString() : "auto") switch
            {
                "required" => "any",
                "none" => "none",
                _ => "auto",
            });
        }
        if (noParallel) w.WriteBoolean("disable_parallel_tool_use", true);
        w.WriteEndObject();
    }
}
