using System.Buffers;
using System.Text;
using System.Text.Json;
using Gateway.OpenAI;

namespace Gateway.Streaming;

/// <summary>
/// Reads what tracing and limits need out of OpenAI chat/completion payloads as they pass:
/// usage, finish reasons, ids, errors and (when capture is on) the assembled content and tool calls
/// of every choice. Stream chunks (<c>delta</c>) and whole responses (<c>message</c>) share one parser.
/// Anthropic's Messages API is read by the same parser (its keys do not clash with OpenAI's): a whole
/// message (<c>content</c> blocks, <c>stop_reason</c>) and each stream event (<c>message_start</c>'s
/// <c>message</c>, <c>content_block</c>, a block or message <c>delta</c>, <c>usage</c> with cache tokens),
/// all as choice 0, so /v1/messages gets the same span attributes as chat.
/// </summary>
internal sealed class CompletionAccumulator(bool captureContent, int maxContentChars)
{
    private readonly List<ChoiceState> _choices = [];

    public string? ResponseId { get; private set; }
    public string? ResponseModel { get; private set; }
    public long? InputTokens { get; private set; }
    public long? OutputTokens { get; private set; }
    public long? CachedInputTokens { get; private set; }
    /// <summary>Anthropic's <c>cache_creation_input_tokens</c> (also sent in OpenAI usage by the translation).</summary>
    public long? CacheCreationInputTokens { get; private set; }
    public string? ErrorMessage { get; private set; }
    public IReadOnlyList<ChoiceState> Choices => _choices;
    public bool AnyFinishReason { get; private set; }

    /// <summary>
    /// Parses one payload; returns true when it carried output (content, text, tool call or refusal).
    /// Never throws: the payload is the upstream's, on its way to the client untouched, and a value of an
    /// unexpected type (a null count, an object for a string) is skipped like an unknown field.
    /// </summary>
    public bool Observe(in ReadOnlySequence<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 128 });
        return ReadRootSafely(ref reader);
    }

    public bool Observe(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 128 });
        return ReadRootSafely(ref reader);
    }

    private bool ReadRootSafely(ref Utf8JsonReader reader)
    {
        try
        {
            return ReadRoot(ref reader);
        }
        catch (JsonException)
        {
            // Not JSON (a vendor's oddity): forwarded anyway, simply not understood.
            return false;
        }
    }

    private bool ReadRoot(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
        return ReadObject(ref reader);
    }

    /// <summary>The properties of a payload, or of Anthropic's <c>message</c> inside <c>message_start</c>.</summary>
    private bool ReadObject(ref Utf8JsonReader reader)
    {
        var output = false;
        // Anthropic stream events name their content block by "index" (before "content_block" or "delta").
        var block = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (JsonText.TextEquals(ref reader, "choices"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray) { reader.Skip(); continue; }
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType == JsonTokenType.StartObject) output |= ReadChoice(ref reader);
                    else reader.Skip();
                }
            }
            else if (JsonText.TextEquals(ref reader, "usage"u8))
            {
                reader.Read();
                ReadUsage(ref reader);
            }
            else if (JsonText.TextEquals(ref reader, "id"u8))
            {
                reader.Read();
                // Read once per stream: every chunk repeats it, and a string per chunk is the allocation budget's business.
                if (ResponseId is null) ResponseId = JsonText.ReadLenient(ref reader);
                else reader.Skip();
            }
            else if (JsonText.TextEquals(ref reader, "model"u8))
            {
                reader.Read();
                if (ResponseModel is null) ResponseModel = JsonText.ReadLenient(ref reader);
                else reader.Skip();
            }
            else if (JsonText.TextEquals(ref reader, "error"u8))
            {
                reader.Read();
                ReadError(ref reader);
            }
            else if (JsonText.TextEquals(ref reader, "message"u8) || JsonText.TextEquals(ref reader, "response"u8))
            {
                // Anthropic's message_start carries the message; the Responses API's events the response (usage, status).
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject) output |= ReadObject(ref reader);
                else reader.Skip();
            }
            else if (JsonText.TextEquals(ref reader, "status"u8))
            {
                // The Responses API: a response that reached an end (not queued or in_progress) is finished.
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && (reader.ValueTextEquals("completed"u8) || reader.ValueTextEquals("incomplete"u8) || reader.ValueTextEquals("failed"u8) || reader.ValueTextEquals("cancelled"u8)))
                {
                    StopReason(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (JsonText.TextEquals(ref reader, "index"u8))
            {
                reader.Read();
                if (Int32(ref reader) is { } i) block = i;
            }
            else if (JsonText.TextEquals(ref reader, "content"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray) { reader.Skip(); continue; }
                var position = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType == JsonTokenType.StartObject) output |= ReadBlock(ref reader, position++);
                    else reader.Skip();
                }
            }
            else if (JsonText.TextEquals(ref reader, "content_block"u8) || JsonText.TextEquals(ref reader, "delta"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject) output |= ReadBlock(ref reader, block);
                else
                {
                    // The Responses API's output deltas are strings (response.output_text.delta and friends).
                    output |= IsNonEmptyString(ref reader);
                    reader.Skip();
                }
            }
            else if (JsonText.TextEquals(ref reader, "stop_reason"u8))
            {
                reader.Read();
                StopReason(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return output;
    }

    /// <summary>
    /// An Anthropic content block, block start or delta, as part of choice 0: text, thinking, a tool_use (its
    /// id and name) or an input_json_delta fragment; a message delta's stop_reason.
    /// </summary>
    private bool ReadBlock(ref Utf8JsonReader reader, int index)
    {
        var output = false;
        var choice = Choice(0);
        ToolCallState? call = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (JsonText.TextEquals(ref reader, "text"u8))
            {
                reader.Read();
                if (IsNonEmptyString(ref reader))
                {
                    output = true;
                    choice.AppendContent(ref reader, captureContent, maxContentChars);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (JsonText.TextEquals(ref reader, "thinking"u8))
            {
                reader.Read();
                output |= IsNonEmptyString(ref reader);
                reader.Skip();
            }
            else if (JsonText.TextEquals(ref reader, "partial_json"u8))
            {
                reader.Read();
                call ??= choice.ToolCall(index);
                output |= IsNonEmptyString(ref reader);
                if (reader.TokenType == JsonTokenType.String && captureContent) call.AppendArguments(ref reader, maxContentChars);
                else reader.Skip();
            }
            else if (JsonText.TextEquals(ref reader, "id"u8))
            {
                // Only tool_use blocks have an id.
                reader.Read();
                call ??= choice.ToolCall(index);
                output = true;
                if (call.Id is null) call.Id = JsonText.ReadLenient(ref reader);
                else reader.Skip();
            }
            else if (JsonText.TextEquals(ref reader, "name"u8))
            {
                reader.Read();
                call ??= choice.ToolCall(index);
                if (JsonText.ReadLenient(ref reader) is { } name) call.Name = name;
            }
            else if (JsonText.TextEquals(ref reader, "stop_reason"u8))
            {
                reader.Read();
                StopReason(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (call is not null) choice.Role ??= "assistant";
        return output;
    }

    private void StopReason(ref Utf8JsonReader reader)
    {
        if (JsonText.ReadLenient(ref reader) is not { } reason) return;
        var choice = Choice(0);
        choice.FinishReason = reason;
        choice.Role ??= "assistant";
        AnyFinishReason = true;
    }

    private bool ReadChoice(ref Utf8JsonReader reader)
    {
        var index = 0;
        var output = false;
        ChoiceState? choice = null;
        // "index" usually comes first; until it is seen, assume choice 0.
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (JsonText.TextEquals(ref reader, "index"u8))
            {
                reader.Read();
                if (Int32(ref reader) is { } i) index = i;
                choice = null;
            }
            else if (JsonText.TextEquals(ref reader, "delta"u8) || JsonText.TextEquals(ref reader, "message"u8))
            {
                reader.Read();
                choice ??= Choice(index);
                if (reader.TokenType == JsonTokenType.StartObject) output |= ReadMessage(ref reader, choice);
                else reader.Skip();
            }
            else if (JsonText.TextEquals(ref reader, "text"u8))
            {
                reader.Read();
                choice ??= Choice(index);
                if (IsNonEmptyString(ref reader))
                {
                    output = true;
                    choice.AppendContent(ref reader, captureContent, maxContentChars);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (JsonText.TextEquals(ref reader, "finish_reason"u8))
            {
                reader.Read();
                if (JsonText.ReadLenient(ref reader) is { } reason)
                {
                    choice ??= Choice(index);
                    choice.FinishReason = reason;
                    AnyFinishReason = true;
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return output;
    }

    private bool ReadMessage(ref Utf8JsonReader reader, ChoiceState choice)
    {
        var output = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isContent = JsonText.TextEquals(ref reader, "content"u8);
            if (isContent || JsonText.TextEquals(ref reader, "refusal"u8) || JsonText.TextEquals(ref reader, "reasoning_content"u8))
            {
                reader.Read();
                if (IsNonEmptyString(ref reader))
                {
                    output = true;
                    if (isContent) choice.AppendContent(ref reader, captureContent, maxContentChars);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (JsonText.TextEquals(ref reader, "role"u8))
            {
                reader.Read();
                if (choice.Role is null) choice.Role = JsonText.ReadLenient(ref reader);
                else reader.Skip();
            }
            else if (JsonText.TextEquals(ref reader, "tool_calls"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray) { reader.Skip(); continue; }
                var position = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        reader.Skip();
                        continue;
                    }
                    ReadToolCall(ref reader, choice, position++);
                    output = true;
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return output;
    }

    private void ReadToolCall(ref Utf8JsonReader reader, ChoiceState choice, int position)
    {
        // In streams each fragment names its tool call by "index"; whole responses list them in order.
        var index = position;
        ToolCallState? call = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (JsonText.TextEquals(ref reader, "index"u8))
            {
                reader.Read();
                if (Int32(ref reader) is { } i) index = i;
                call = null;
            }
            else if (JsonText.TextEquals(ref reader, "id"u8))
            {
                reader.Read();
                call ??= choice.ToolCall(index);
                if (call.Id is null) call.Id = JsonText.ReadLenient(ref reader);
                else reader.Skip();
            }
            else if (JsonText.TextEquals(ref reader, "function"u8))
            {
                reader.Read();
                call ??= choice.ToolCall(index);
                if (reader.TokenType != JsonTokenType.StartObject) { reader.Skip(); continue; }
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (JsonText.TextEquals(ref reader, "name"u8))
                    {
                        reader.Read();
                        if (JsonText.ReadLenient(ref reader) is { } name) call.Name = (call.Name ?? "") + name;
                    }
                    else if (JsonText.TextEquals(ref reader, "arguments"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.String && captureContent) call.AppendArguments(ref reader, maxContentChars);
                        else reader.Skip();
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private void ReadUsage(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject) { reader.Skip(); return; }
        // Anthropic's input_tokens leave out the cached ones, which it counts beside them; OpenAI's prompt_tokens
        // (and the GenAI conventions' input tokens) include them, so the spans get the sum.
        long? uncached = null;
        long cacheRead = 0, cacheCreation = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (JsonText.TextEquals(ref reader, "prompt_tokens"u8))
            {
                reader.Read();
                if (Int64(ref reader) is { } v) InputTokens = v;
            }
            else if (JsonText.TextEquals(ref reader, "input_tokens"u8))
            {
                reader.Read();
                if (Int64(ref reader) is { } v) InputTokens = uncached = v;
            }
            else if (JsonText.TextEquals(ref reader, "cache_read_input_tokens"u8))
            {
                reader.Read();
                if (Int64(ref reader) is { } v) CachedInputTokens = cacheRead = v;
            }
            else if (JsonText.TextEquals(ref reader, "cache_creation_input_tokens"u8))
            {
                reader.Read();
                if (Int64(ref reader) is { } v) CacheCreationInputTokens = cacheCreation = v;
            }
            else if (JsonText.TextEquals(ref reader, "completion_tokens"u8) || JsonText.TextEquals(ref reader, "output_tokens"u8))
            {
                reader.Read();
                if (Int64(ref reader) is { } v) OutputTokens = v;
            }
            else if (JsonText.TextEquals(ref reader, "prompt_tokens_details"u8) || JsonText.TextEquals(ref reader, "input_tokens_details"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject) { reader.Skip(); continue; }
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var cached = JsonText.TextEquals(ref reader, "cached_tokens"u8);
                    reader.Read();
                    if (cached && Int64(ref reader) is { } c) CachedInputTokens = c;
                    else reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (uncached is { } u && cacheRead + cacheCreation > 0) InputTokens = u + cacheRead + cacheCreation;
    }

    private void ReadError(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            ErrorMessage = JsonText.ReadLenient(ref reader);
            return;
        }
        if (reader.TokenType != JsonTokenType.StartObject) { reader.Skip(); return; }
        ErrorMessage ??= "upstream error";
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isMessage = JsonText.TextEquals(ref reader, "message"u8);
            reader.Read();
            if (isMessage && JsonText.ReadLenient(ref reader) is { } message) ErrorMessage = message;
            else reader.Skip();
        }
    }

    /// <summary>A string token with at least one byte; a token split across segments has an empty ValueSpan, so both forms are looked at.</summary>
    private static bool IsNonEmptyString(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String && (reader.HasValueSequence ? !reader.ValueSequence.IsEmpty : !reader.ValueSpan.IsEmpty);

    /// <summary>A count: a JSON integer that fits; anything else (null, a string, a fraction, an object) is skipped.</summary>
    private static long? Int64(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value)) return value;
        reader.Skip();
        return null;
    }

    private static int? Int32(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value)) return value;
        reader.Skip();
        return null;
    }

    private ChoiceState Choice(int index)
    {
        foreach (var c in _choices)
        {
            if (c.Index == index) return c;
        }
        var created = new ChoiceState(index);
        _choices.Add(created);
        return created;
    }
}

/// <summary>The assembled state of one choice.</summary>
internal sealed class ChoiceState(int index)
{
    private StringBuilder? _content;
    /// <summary>
    /// <see cref="Content"/> as last built, until the next append: tracing reads it twice per answer (tfy.output and
    /// gen_ai.completion.N.content), output guardrails once more, and each read was a new string (issue #11).
    /// </summary>
    private string? _contentText;
    private List<ToolCallState>? _toolCalls;

    public int Index { get; } = index;
    public string? Role { get; set; }
    public string? FinishReason { get; set; }
    public string? Content => _contentText ??= _content?.ToString();
    public IReadOnlyList<ToolCallState> ToolCalls => (IReadOnlyList<ToolCallState>?)_toolCalls ?? [];

    /// <summary>Replaces the assembled text (output guardrails: spans store the redacted answer).</summary>
    internal void ReplaceContent(string content)
    {
        _content = new StringBuilder(content);
        _contentText = content;
    }

    internal void AppendContent(ref Utf8JsonReader reader, bool capture, int max)
    {
        if (!capture) return;
        _content ??= new StringBuilder();
        AppendBounded(_content, ref reader, max);
        _contentText = null;
    }

    internal ToolCallState ToolCall(int index)
    {
        _toolCalls ??= [];
        foreach (var t in _toolCalls)
        {
            if (t.Index == index) return t;
        }
        var created = new ToolCallState(index);
        _toolCalls.Add(created);
        return created;
    }

    internal static void AppendBounded(StringBuilder sb, ref Utf8JsonReader reader, int max)
    {
        if (sb.Length >= max) return;
        var s = JsonText.ReadLenient(ref reader);
        if (s is null) return;
        sb.Append(s, 0, Math.Min(s.Length, max - sb.Length));
    }
}

/// <summary>One tool call of a choice, its arguments assembled from stream fragments.</summary>
internal sealed class ToolCallState(int index)
{
    private StringBuilder? _arguments;
    /// <summary><see cref="Arguments"/> as last built, until the next append (read twice by tracing, as ChoiceState's content).</summary>
    private string? _argumentsText;

    public int Index { get; } = index;
    public string? Id { get; set; }
    public string? Name { get; set; }
    public string? Arguments => _argumentsText ??= _arguments?.ToString();

    internal void AppendArguments(ref Utf8JsonReader reader, int max)
    {
        _arguments ??= new StringBuilder();
        ChoiceState.AppendBounded(_arguments, ref reader, max);
        _argumentsText = null;
    }
}
