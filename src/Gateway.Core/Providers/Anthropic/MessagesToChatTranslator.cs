using System.Buffers;
using System.Text.Json;

namespace Gateway.Providers.Anthropic;

/// <summary>
/// An Anthropic answer in OpenAI's chat completion shape. Whole messages: text blocks joined into
/// <c>content</c>, <c>tool_use</c> blocks as <c>tool_calls</c> (arguments as JSON text), thinking as
/// <c>reasoning_content</c>. Streams, event by event: <c>message_start</c> opens the assistant turn,
/// text and thinking deltas become content and reasoning deltas, each <c>tool_use</c> block a tool call
/// with the next index (stable, 0 based, in the order the blocks start) whose <c>input_json_delta</c>
/// fragments arrive as argument fragments, <c>message_delta</c> the finish chunk (with usage), and
/// <c>message_stop</c> <c>[DONE]</c>; an <c>error</c> event becomes OpenAI's error event. Usage counts
/// cached prompt tokens in <c>prompt_tokens</c> as OpenAI does, with <c>prompt_tokens_details.cached_tokens</c>
/// and Anthropic's <c>cache_read_input_tokens</c> / <c>cache_creation_input_tokens</c> beside them.
/// One instance per attempt.
/// </summary>
internal sealed class MessagesToChatTranslator : IResponseTranslator
{
    private string _id = "";
    private string _model = "";
    private long _created;
    private long _input;
    private long _cacheRead;
    private long _cacheCreation;
    private long _output;
    /// <summary>Content block index -> tool call index, for the blocks that are tool_use.</summary>
    private readonly Dictionary<int, int> _toolIndex = [];

    public void TranslateBody(ReadOnlySpan<byte> upstream, IBufferWriter<byte> openAi)
    {
        using var doc = JsonDocument.Parse(upstream.ToArray());
        var root = doc.RootElement;
        using var w = new Utf8JsonWriter(openAi, TranslationJson.Options);
        if (root.TryGetProperty("error", out var error))
        {
            WriteError(w, error);
            return;
        }
        ReadMessage(root);
        var text = new System.Text.StringBuilder();
        var thinking = new System.Text.StringBuilder();
        var hasText = false;
        w.WriteStartObject();
        w.WriteString("id", _id);
        w.WriteString("object", "chat.completion");
        w.WriteNumber("created", _created);
        w.WriteString("model", _model);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WriteStartObject("message");
        w.WriteString("role", "assistant");
        var calls = new List<JsonElement>();
        if (root.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array)
        {
            foreach (var block in content.EnumerateArray())
            {
                switch (TranslationJson.Str(block, "type"))
                {
                    case "text":
                        text.Append(TranslationJson.Str(block, "text"));
                        hasText = true;
                        break;
                    case "thinking":
                        thinking.Append(TranslationJson.Str(block, "thinking"));
                        break;
                    case "tool_use":
                        calls.Add(block);
                        break;
                }
            }
        }
        if (hasText) w.WriteString("content", text.ToString());
        else w.WriteNull("content");
        if (thinking.Length > 0) w.WriteString("reasoning_content", thinking.ToString());
        TranslationJson.WriteToolCalls(w, calls);
        w.WriteEndObject();
        w.WriteString("finish_reason", StopReasons.ToFinishReason(TranslationJson.Str(root, "stop_reason")));
        w.WriteEndObject();
        w.WriteEndArray();
        WriteUsage(w);
        w.WriteEndObject();
    }

    public void TranslateEvent(ReadOnlySpan<byte> data, IBufferWriter<byte> openAi)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(data.ToArray());
        }
        catch (JsonException)
        {
            // Not JSON: nothing a client could use; a stream that never finishes is reported by the pump.
            return;
        }
        using var _ = doc;
        var root = doc.RootElement;
        switch (TranslationJson.Str(root, "type"))
        {
            case "message_start" when root.TryGetProperty("message", out var message):
                ReadMessage(message);
                WriteChunk(openAi, w =>
                {
                    w.WriteString("role", "assistant");
                    w.WriteString("content", "");
                }, null);
                break;
            case "content_block_start" when root.TryGetProperty("content_block", out var block) && TranslationJson.Str(block, "type") == "tool_use":
                var index = _toolIndex.Count;
                _toolIndex[Index(root)] = index;
                WriteChunk(openAi, w => WriteToolCall(w, index, TranslationJson.Str(block, "id"), TranslationJson.Str(block, "name"), ""), null);
                break;
            case "content_block_delta" when root.TryGetProperty("delta", out var delta):
                switch (TranslationJson.Str(delta, "type"))
                {
                    case "text_delta":
                        WriteChunk(openAi, w => w.WriteString("content", TranslationJson.Str(delta, "text")), null);
                        break;
                    case "thinking_delta":
                        WriteChunk(openAi, w => w.WriteString("reasoning_content", TranslationJson.Str(delta, "thinking")), null);
                        break;
                    case "input_json_delta" when _toolIndex.TryGetValue(Index(root), out var tool):
                        WriteChunk(openAi, w => WriteToolCall(w, tool, null, null, TranslationJson.Str(delta, "partial_json")), null);
                        break;
                }
                break;
            case "message_delta":
                if (root.TryGetProperty("usage", out var usage)) ReadUsage(usage);
                var stop = root.TryGetProperty("delta", out var d) ? TranslationJson.Str(d, "stop_reason") : null;
                WriteChunk(openAi, _ => { }, StopReasons.ToFinishReason(stop));
                break;
            case "message_stop":
                TranslationJson.Write(openAi, "data: [DONE]\n\n"u8);
                break;
            case "error" when root.TryGetProperty("error", out var error):
                TranslationJson.Write(openAi, "event: error\ndata: "u8);
                using (var w = new Utf8JsonWriter(openAi, TranslationJson.Options)) WriteError(w, error);
                TranslationJson.Write(openAi, "\n\n"u8);
                break;
                // ping, content_block_stop, text and thinking block starts: nothing to say in OpenAI's shape.
        }
    }

    private void ReadMessage(JsonElement message)
    {
        _id = TranslationJson.Str(message, "id") ?? "";
        _model = TranslationJson.Str(message, "model") ?? "";
        _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (message.TryGetProperty("usage", out var usage)) ReadUsage(usage);
    }

    private void ReadUsage(JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object) return;
        if (TranslationJson.Long(usage, "input_tokens") is { } input) _input = input;
        if (TranslationJson.Long(usage, "cache_read_input_tokens") is { } read) _cacheRead = read;
        if (TranslationJson.Long(usage, "cache_creation_input_tokens") is { } created) _cacheCreation = created;
        if (TranslationJson.Long(usage, "output_tokens") is { } output) _output = output;
    }

    private void WriteUsage(Utf8JsonWriter w)
    {
        var prompt = _input + _cacheRead + _cacheCreation;
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", prompt);
        w.WriteNumber("completion_tokens", _output);
        w.WriteNumber("total_tokens", prompt + _output);
        w.WriteStartObject("prompt_tokens_details");
        w.WriteNumber("cached_tokens", _cacheRead);
        w.WriteEndObject();
        w.WriteNumber("cache_read_input_tokens", _cacheRead);
        w.WriteNumber("cache_creation_input_tokens", _cacheCreation);
        w.WriteEndObject();
    }

    /// <summary>One <c>data: {chunk}\n\n</c> event; a finish chunk carries the usage (SDKs read it from any chunk).</summary>
    private void WriteChunk(IBufferWriter<byte> output, Action<Utf8JsonWriter> delta, string? finishReason)
    {
        TranslationJson.Write(output, "data: "u8);
        using (var w = new Utf8JsonWriter(output, TranslationJson.Options))
        {
            w.WriteStartObject();
            w.WriteString("id", _id);
            w.WriteString("object", "chat.completion.chunk");
            w.WriteNumber("created", _created);
            w.WriteString("model", _model);
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            w.WriteStartObject("delta");
            delta(w);
            w.WriteEndObject();
            if (finishReason is null) w.WriteNull("finish_reason");
            else w.WriteString("finish_reason", finishReason);
            w.WriteEndObject();
            w.WriteEndArray();
            if (finishReason is not null) WriteUsage(w);
            w.WriteEndObject();
        }
        TranslationJson.Write(output, "\n\n"u8);
    }

    private static void WriteToolCall(Utf8JsonWriter w, int index, string? id, string? name, string? arguments)
    {
        w.WriteStartArray("tool_calls");
        w.WriteStartObject();
        w.WriteNumber("index", index);
        if (id is not null)
        {
            w.WriteString("id", id);
            w.WriteString("type", "function");
        }
        w.WriteStartObject("function");
        if (name is not null) w.WriteString("name", name);
        w.WriteString("arguments", arguments ?? "");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
    }

    /// <summary>Anthropic's <c>{"type":"error","error":{"type","message"}}</c> as OpenAI's error object.</summary>
    private static void WriteError(Utf8JsonWriter w, JsonElement error)
    {
        w.WriteStartObject();
        w.WriteStartObject("error");
        w.WriteString("message", TranslationJson.Str(error, "message") ?? "upstream error");
        w.WriteString("type", TranslationJson.Str(error, "type") ?? "upstream_error");
        w.WriteString("code", TranslationJson.Str(error, "type"));
        w.WriteNull("param");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static int Index(JsonElement e) => e.TryGetProperty("index", out var i) && i.TryGetInt32(out var v) ? v : 0;
}
