using System.Text;
using System.Text.Json;
using Gateway.OpenAI;
using Gateway.Providers;

namespace Gateway.Tracing;

/// <summary>
/// Reads the prompt of a request body for spans with one <see cref="Utf8JsonReader"/> pass (DESIGN.md
/// decision 1: no object graph): chat <c>messages</c>, completion <c>prompt</c>, embedding <c>input</c>.
/// Only called when a span is recorded. Text is cut to <c>maxChars</c>; content that is not a string (parts
/// arrays with images, audio) is kept as its JSON text, also cut.
/// </summary>
internal static class RequestMessages
{
    /// <summary>More messages than this are not put on spans one by one (tfy.input still holds the body).</summary>
    public const int MaxMessages = 256;

    public static List<PromptMessage> Read(ReadOnlySpan<byte> body, Operation op, bool captureContent, int maxChars)
    {
        var messages = new List<PromptMessage>();
        if (body.IsEmpty) return messages;
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return messages;
            var field = op switch
            {
                Operation.Chat or Operation.Messages or Operation.CountTokens or Operation.AgentResponses => "messages"u8,
                Operation.Completion => "prompt"u8,
                _ => "input"u8,
            };
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var match = JsonText.TextEquals(ref reader, field);
                reader.Read();
                if (!match)
                {
                    reader.Skip();
                    continue;
                }
                if (op is Operation.Chat or Operation.Messages or Operation.CountTokens or Operation.AgentResponses) ReadChat(ref reader, messages, captureContent, maxChars, body);
                else ReadPrompts(ref reader, messages, captureContent, maxChars);
                break;
            }
        }
        catch (JsonException)
        {
            // The head reader validated the body; a failure here can only mean a truncated copy. Keep what was read.
        }
        return messages;
    }

    private static void ReadChat(ref Utf8JsonReader reader, List<PromptMessage> messages, bool capture, int max, ReadOnlySpan<byte> body)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject || messages.Count >= MaxMessages)
            {
                reader.Skip();
                continue;
            }
            string? role = null, content = null, toolCallId = null;
            List<PromptToolCall>? toolCalls = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (JsonText.TextEquals(ref reader, "role"u8))
                {
                    reader.Read();
                    role = ReadRole(ref reader);
                }
                else if (JsonText.TextEquals(ref reader, "content"u8))
                {
                    reader.Read();
                    content = capture ? ContentOf(ref reader, max, body) : SkipNull(ref reader);
                }
                else if (JsonText.TextEquals(ref reader, "tool_call_id"u8))
                {
                    reader.Read();
                    toolCallId = JsonText.ReadLenient(ref reader);
                }
                else if (JsonText.TextEquals(ref reader, "tool_calls"u8))
                {
                    reader.Read();
                    toolCalls = ReadToolCalls(ref reader, capture, max);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            messages.Add(new PromptMessage(role ?? "unknown") { Content = content, ToolCallId = toolCallId, ToolCalls = toolCalls });
        }
    }

    /// <summary>
    /// A message's role: a known one as its constant, any other as read. Every message has one of a handful of
    /// roles, and reading it made a new 32-40 B string per message (issue #11).
    /// </summary>
    private static string? ReadRole(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            if (JsonText.TextEquals(ref reader, "user"u8)) return "user";
            if (JsonText.TextEquals(ref reader, "assistant"u8)) return "assistant";
            if (JsonText.TextEquals(ref reader, "system"u8)) return "system";
            if (JsonText.TextEquals(ref reader, "tool"u8)) return "tool";
            if (JsonText.TextEquals(ref reader, "developer"u8)) return "developer";
        }
        return JsonText.ReadLenient(ref reader);
    }

    private static string? SkipNull(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return null;
    }

    private static List<PromptToolCall>? ReadToolCalls(ref Utf8JsonReader reader, bool capture, int max)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return null;
        }
        var calls = new List<PromptToolCall>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }
            string? id = null, name = null, arguments = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (JsonText.TextEquals(ref reader, "id"u8))
                {
                    reader.Read();
                    id = JsonText.ReadLenient(ref reader);
                }
                else if (JsonText.TextEquals(ref reader, "function"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        reader.Skip();
                        continue;
                    }
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var isName = JsonText.TextEquals(ref reader, "name"u8);
                        var isArguments = JsonText.TextEquals(ref reader, "arguments"u8);
                        reader.Read();
                        if (isName && reader.TokenType == JsonTokenType.String) name = JsonText.ReadLenient(ref reader);
                        else if (isArguments && capture && reader.TokenType == JsonTokenType.String) arguments = SpanText.Truncate(JsonText.ReadLenient(ref reader), max);
                        else reader.Skip();
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            calls.Add(new PromptToolCall(id, name, arguments));
        }
        return calls;
    }

    /// <summary>A string as is; parts arrays as their text when all parts are text, else as raw JSON.</summary>
    private static string? ContentOf(ref Utf8JsonReader reader, int max, ReadOnlySpan<byte> body)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return SpanText.Truncate(JsonText.ReadLenient(ref reader), max);
            case JsonTokenType.StartArray or JsonTokenType.StartObject:
                var start = (int)reader.TokenStartIndex;
                var copy = reader;
                var text = TextParts(ref copy, max);
                reader.Skip();
                if (text is not null) return text;
                var end = (int)reader.BytesConsumed;
                return SpanText.Utf8(body[start..end], max);
            default:
                reader.Skip();
                return null;
        }
    }

    /// <summary>The joined text of a parts array when every part is <c>{"type":"text","text":...}</c>; else null.</summary>
    private static string? TextParts(ref Utf8JsonReader reader, int max)
    {
        if (reader.TokenType != JsonTokenType.StartArray) return null;
        StringBuilder? sb = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            string? text = null;
            var isText = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (JsonText.TextEquals(ref reader, "type"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String || !JsonText.TextEquals(ref reader, "text"u8)) return null;
                    isText = true;
                }
                else if (JsonText.TextEquals(ref reader, "text"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String) return null;
                    text = JsonText.ReadLenient(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            if (!isText || text is null) return null;
            sb ??= new StringBuilder();
            if (sb.Length > 0) sb.Append('\n');
            sb.Append(text);
            if (sb.Length >= max) break;
        }
        return sb is null ? null : SpanText.Truncate(sb.ToString(), max);
    }

    /// <summary>Completion <c>prompt</c> and embedding <c>input</c>: a string or an array of strings (token arrays are skipped).</summary>
    private static void ReadPrompts(ref Utf8JsonReader reader, List<PromptMessage> messages, bool capture, int max)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            messages.Add(new PromptMessage("user") { Content = capture ? SpanText.Truncate(JsonText.ReadLenient(ref reader), max) : null });
            return;
        }
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.String && messages.Count < MaxMessages)
            {
                messages.Add(new PromptMessage("user") { Content = capture ? SpanText.Truncate(JsonText.ReadLenient(ref reader), max) : null });
            }
            else
            {
                reader.Skip();
            }
        }
    }
}
