using System.Buffers;
using System.Text.Json;

namespace Gateway.Providers.Anthropic;

/// <summary>
/// An OpenAI chat completion answer in Anthropic's Messages shape, for <c>/v1/messages</c> routed to an
/// OpenAI-compatible upstream. Whole answers: content as a text block, each tool call a <c>tool_use</c>
/// block (arguments parsed into <c>input</c>), the finish reason as <c>stop_reason</c>; an answer with no
/// choices is an empty message, not a crash. Streams: the first chunk opens the message (<c>message_start</c>,
/// <c>ping</c>); content, reasoning and each tool call open their own content block in turn (text_delta,
/// thinking_delta, input_json_delta); <c>[DONE]</c> closes the open block and ends with <c>message_delta</c>
/// (stop reason and usage) and <c>message_stop</c>. Usage: Anthropic's <c>input_tokens</c> leave out the
/// cached ones, reported as <c>cache_read_input_tokens</c>. One instance per attempt.
/// </summary>
internal sealed class ChatToMessagesTranslator : IResponseTranslator
{
    private bool _started;
    private string _id = "";
    private string _model = "";
    /// <summary>The content block being streamed: its index, and the kind ("text", "thinking", or the tool call index).</summary>
    private int _block = -1;
    private string? _blockKind;
    private string? _finishReason;
    private long _prompt;
    private long _cached;
    private long _completion;

    public void TranslateBody(ReadOnlySpan<byte> upstream, IBufferWriter<byte> anthropic)
    {
        using var doc = JsonDocument.Parse(upstream.ToArray());
        var root = doc.RootElement;
        using var w = new Utf8JsonWriter(anthropic, TranslationJson.Options);
        if (root.TryGetProperty("error", out var error))
        {
            WriteError(w, error);
            return;
        }
        ReadHead(root);
        if (root.TryGetProperty("usage", out var usage)) ReadUsage(usage);
        w.WriteStartObject();
        w.WriteString("id", _id);
        w.WriteString("type", "message");
        w.WriteString("role", "assistant");
        w.WriteString("model", _model);
        w.WriteStartArray("content");
        string? finish = null;
        if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0)
        {
            var choice = choices[0];
            finish = TranslationJson.Str(choice, "finish_reason");
            if (choice.TryGetProperty("message", out var message))
            {
                if (TranslationJson.Str(message, "reasoning_content") is { Length: > 0 } thinking)
                {
                    w.WriteStartObject();
                    w.WriteString("type", "thinking");
                    w.WriteString("thinking", thinking);
                    w.WriteString("signature", "");
                    w.WriteEndObject();
                }
                if (TranslationJson.Str(message, "content") is { Length: > 0 } text)
                {
                    w.WriteStartObject();
                    w.WriteString("type", "text");
                    w.WriteString("text", text);
                    w.WriteEndObject();
                }
                if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
                {
                    foreach (var call in calls.EnumerateArray()) TranslationJson.WriteToolUse(w, call);
                }
            }
        }
        w.WriteEndArray();
        w.WriteString("stop_reason", StopReasons.ToStopReason(finish));
        w.WriteNull("stop_sequence");
        WriteUsage(w);
        w.WriteEndObject();
    }

    public void TranslateEvent(ReadOnlySpan<byte> data, IBufferWriter<byte> anthropic)
    {
        if (data.SequenceEqual("[DONE]"u8))
        {
            Finish(anthropic);
            return;
        }
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(data.ToArray());
        }
        catch (JsonException)
        {
            return;
        }
        using var _ = doc;
        var root = doc.RootElement;
        if (root.TryGetProperty("error", out var error))
        {
            Event(anthropic, "error", w => WriteError(w, error));
            return;
        }
        if (!_started)
        {
            _started = true;
            ReadHead(root);
            Event(anthropic, "message_start", w =>
            {
                w.WriteStartObject();
                w.WriteString("type", "message_start");
                w.WriteStartObject("message");
                w.WriteString("id", _id);
                w.WriteString("type", "message");
                w.WriteString("role", "assistant");
                w.WriteString("model", _model);
                w.WriteStartArray("content");
                w.WriteEndArray();
                w.WriteNull("stop_reason");
                w.WriteNull("stop_sequence");
                w.WriteStartObject("usage");
                w.WriteNumber("input_tokens", 0);
                w.WriteNumber("output_tokens", 0);
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndObject();
            });
            Event(anthropic, "ping", w =>
            {
                w.WriteStartObject();
                w.WriteString("type", "ping");
                w.WriteEndObject();
            });
        }
        if (root.TryGetProperty("usage", out var usage)) ReadUsage(usage);
        if (!root.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array) return;
        foreach (var choice in choices.EnumerateArray())
        {
            // Anthropic has one answer per message: further choices (n > 1) have nowhere to go.
            if (choice.TryGetProperty("index", out var index) && index.TryGetInt32(out var i) && i != 0) continue;
            if (choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object)
            {
                if (TranslationJson.Str(delta, "reasoning_content") is { Length: > 0 } thinking) Delta(anthropic, "thinking", "thinking_delta", "thinking", thinking);
                if (TranslationJson.Str(delta, "content") is { Length: > 0 } text) Delta(anthropic, "text", "text_delta", "text", text);
                if (delta.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
                {
                    foreach (var call in calls.EnumerateArray()) ToolCallDelta(anthropic, call);
                }
            }
            if (TranslationJson.Str(choice, "finish_reason") is { } finish) _finishReason = finish;
        }
    }

    private void ToolCallDelta(IBufferWriter<byte> output, JsonElement call)
    {
        var index = call.TryGetProperty("index", out var i) && i.TryGetInt32(out var v) ? v : 0;
        var kind = "tool:" + index;
        var function = call.TryGetProperty("function", out var f) ? f : default;
        if (_blockKind != kind)
        {
            StopBlock(output);
            _block++;
            _blockKind = kind;
            var id = TranslationJson.Str(call, "id") ?? "toolu_" + index;
            var name = function.ValueKind == JsonValueKind.Object ? TranslationJson.Str(function, "name") : null;
            Event(output, "content_block_start", w =>
            {
                w.WriteStartObject();
                w.WriteString("type", "content_block_start");
                w.WriteNumber("index", _block);
                w.WriteStartObject("content_block");
                w.WriteString("type", "tool_use");
                w.WriteString("id", id);
                w.WriteString("name", name ?? "");
                w.WriteStartObject("input");
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndObject();
            });
        }
        if (function.ValueKind == JsonValueKind.Object && TranslationJson.Str(function, "arguments") is { Length: > 0 } arguments)
        {
            BlockDelta(output, "input_json_delta", "partial_json", arguments);
        }
    }

    /// <summary>Text or thinking: opens a block of that kind when another is open, then the delta.</summary>
    private void Delta(IBufferWriter<byte> output, string kind, string deltaType, string field, string value)
    {
        if (_blockKind != kind)
        {
            StopBlock(output);
            _block++;
            _blockKind = kind;
            Event(output, "content_block_start", w =>
            {
                w.WriteStartObject();
                w.WriteString("type", "content_block_start");
                w.WriteNumber("index", _block);
                w.WriteStartObject("content_block");
                w.WriteString("type", kind);
                w.WriteString(field, "");
                w.WriteEndObject();
                w.WriteEndObject();
            });
        }
        BlockDelta(output, deltaType, field, value);
    }

    private void BlockDelta(IBufferWriter<byte> output, string deltaType, string field, string value) =>
        Event(output, "content_block_delta", w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "content_block_delta");
            w.WriteNumber("index", _block);
            w.WriteStartObject("delta");
            w.WriteString("type", deltaType);
            w.WriteString(field, value);
            w.WriteEndObject();
            w.WriteEndObject();
        });

    private void StopBlock(IBufferWriter<byte> output)
    {
        if (_blockKind is null) return;
        _blockKind = null;
        Event(output, "content_block_stop", w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "content_block_stop");
            w.WriteNumber("index", _block);
            w.WriteEndObject();
        });
    }

    /// <summary>The upstream's [DONE]: the open block ends, then the message with its stop reason and usage.</summary>
    private void Finish(IBufferWriter<byte> output)
    {
        StopBlock(output);
        Event(output, "message_delta", w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "message_delta");
            w.WriteStartObject("delta");
            w.WriteString("stop_reason", StopReasons.ToStopReason(_finishReason));
            w.WriteNull("stop_sequence");
            w.WriteEndObject();
            WriteUsage(w);
            w.WriteEndObject();
        });
        Event(output, "message_stop", w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "message_stop");
            w.WriteEndObject();
        });
    }

    private void ReadHead(JsonElement root)
    {
        _id = TranslationJson.Str(root, "id") ?? "";
        _model = TranslationJson.Str(root, "model") ?? "";
    }

    private void ReadUsage(JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object) return;
        if (TranslationJson.Long(usage, "prompt_tokens") is { } prompt) _prompt = prompt;
        if (TranslationJson.Long(usage, "completion_tokens") is { } completion) _completion = completion;
        if (usage.TryGetProperty("prompt_tokens_details", out var details) && details.ValueKind == JsonValueKind.Object && TranslationJson.Long(details, "cached_tokens") is { } cached) _cached = cached;
    }

    private void WriteUsage(Utf8JsonWriter w)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("input_tokens", Math.Max(0, _prompt - _cached));
        w.WriteNumber("cache_creation_input_tokens", 0);
        w.WriteNumber("cache_read_input_tokens", _cached);
        w.WriteNumber("output_tokens", _completion);
        w.WriteEndObject();
    }

    /// <summary>OpenAI's <c>{"error":{"message","type"}}</c> as Anthropic's <c>{"type":"error","error":{"type","message"}}</c>.</summary>
    private static void WriteError(Utf8JsonWriter w, JsonElement error)
    {
        w.WriteStartObject();
        w.WriteString("type", "error");
        w.WriteStartObject("error");
        w.WriteString("type", error.ValueKind == JsonValueKind.Object ? TranslationJson.Str(error, "type") ?? "api_error" : "api_error");
        w.WriteString("message", error.ValueKind == JsonValueKind.Object ? TranslationJson.Str(error, "message") ?? "upstream error" : error.ToString());
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>One <c>event: name\ndata: {...}\n\n</c>.</summary>
    private static void Event(IBufferWriter<byte> output, string name, Action<Utf8JsonWriter> data)
    {
        TranslationJson.Write(output, "event: "u8);
        TranslationJson.Write(output, System.Text.Encoding.UTF8.GetBytes(name));
        TranslationJson.Write(output, "\ndata: "u8);
        using (var w = new Utf8JsonWriter(output, TranslationJson.Options)) data(w);
        TranslationJson.Write(output, "\n\n"u8);
    }

}
