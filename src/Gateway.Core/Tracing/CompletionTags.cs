using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using Gateway.Streaming;

namespace Gateway.Tracing;

/// <summary>
/// The content attributes of seed 000 on a root span: <c>gen_ai.prompt.{i}.*</c> with one message event per
/// prompt message, <c>gen_ai.completion.{i}.*</c> with tool calls, and the JSON of <c>tfy.output</c>.
/// With capture off, roles, ids, tool names and finish reasons stay; text and arguments go.
/// </summary>
internal static class CompletionTags
{
    /// <summary>
    /// The tags of the message event being built. <see cref="ActivityEvent"/> copies the collection into its own
    /// list (System.Diagnostics.DiagnosticSource 8 and later), so one collection per thread serves every event: a
    /// fresh one cost 144 B per prompt message, dropped as soon as the event was made (issue #11).
    /// </summary>
    [ThreadStatic] private static ActivityTagsCollection? t_eventTags;

    public static void SetPrompt(Activity root, List<PromptMessage> prompt, string system, bool capture)
    {
        var timestamp = new DateTimeOffset(root.StartTimeUtc);
        for (var i = 0; i < prompt.Count; i++)
        {
            var message = prompt[i];
            root.AddTag(IndexedKeys.PromptRole(i), message.Role);
            if (capture && message.Content is not null) root.AddTag(IndexedKeys.PromptContent(i), message.Content);
            if (message.ToolCallId is not null) root.AddTag(IndexedKeys.PromptToolCallId(i), message.ToolCallId);
            if (message.ToolCalls is { } calls)
            {
                for (var j = 0; j < calls.Count; j++)
                {
                    if (calls[j].Id is { } id) root.AddTag(IndexedKeys.PromptToolCallsId(i, j), id);
                    if (calls[j].Name is { } name) root.AddTag(IndexedKeys.PromptToolCallsName(i, j), name);
                    if (capture && calls[j].Arguments is { } arguments) root.AddTag(IndexedKeys.PromptToolCallsArguments(i, j), arguments);
                }
            }
            root.AddEvent(MessageEvent(message, system, capture, timestamp));
        }
    }

    private static ActivityEvent MessageEvent(PromptMessage message, string system, bool capture, DateTimeOffset timestamp)
    {
        var (name, known) = message.Role switch
        {
            "system" or "developer" => (SpanAttributes.EventSystemMessage, true),
            "user" => (SpanAttributes.EventUserMessage, true),
            "assistant" => (SpanAttributes.EventAssistantMessage, true),
            "tool" or "function" => (SpanAttributes.EventToolMessage, true),
            _ => (SpanAttributes.EventUnknownMessage, false),
        };
        var tags = t_eventTags ??= new ActivityTagsCollection();
        try
        {
            tags[SpanAttributes.GenAiSystem] = system;
            // The event name implies the role except for developer/function messages and unknown roles.
            if (!known || message.Role is "developer" or "function") tags[SpanAttributes.EventRole] = message.Role;
            if (capture && message.Content is not null) tags[SpanAttributes.EventContent] = message.Content;
            if (message.ToolCallId is not null) tags[SpanAttributes.EventId] = message.ToolCallId;
            if (message.ToolCalls is { Count: > 0 } calls) tags[SpanAttributes.EventToolCalls] = ToolCallsJson(calls, capture);
            return new ActivityEvent(name, timestamp, tags);
        }
        finally
        {
            tags.Clear();
        }
    }

    public static void SetCompletion(Activity root, CompletionAccumulator accumulator, bool capture)
    {
        var choices = accumulator.Choices;
        for (var c = 0; c < choices.Count; c++)
        {
            var choice = choices[c];
            var i = choice.Index;
            if ((uint)i > RequestMessages.MaxMessages) continue;
            root.AddTag(IndexedKeys.CompletionRole(i), choice.Role ?? "assistant");
            if (capture && choice.Content is { } content) root.AddTag(IndexedKeys.CompletionContent(i), content);
            if (choice.FinishReason is { } reason) root.AddTag(IndexedKeys.CompletionFinishReason(i), reason);
            var calls = choice.ToolCalls;
            for (var j = 0; j < calls.Count; j++)
            {
                if (calls[j].Name is { } name) root.AddTag(IndexedKeys.CompletionToolCallName(i, j), name);
                if (calls[j].Id is { } id) root.AddTag(IndexedKeys.CompletionToolCallId(i, j), id);
                if (capture && calls[j].Arguments is { } arguments) root.AddTag(IndexedKeys.CompletionToolCallArguments(i, j), arguments);
            }
        }
    }

    public static string[]? FinishReasons(CompletionAccumulator accumulator)
    {
        var choices = accumulator.Choices;
        var count = 0;
        for (var c = 0; c < choices.Count; c++) if (choices[c].FinishReason is not null) count++;
        if (count == 0) return null;
        var reasons = new string[count];
        var n = 0;
        for (var c = 0; c < choices.Count; c++) if (choices[c].FinishReason is { } r) reasons[n++] = r;
        return reasons;
    }

    /// <summary>
    /// <c>tfy.output</c>: the assistant message in OpenAI's shape (<c>role</c>, <c>content</c>, <c>tool_calls</c>),
    /// or an array of them when the request asked for several choices. Null when nothing came back.
    /// </summary>
    public static string? OutputJson(CompletionAccumulator accumulator, int maxChars)
    {
        if (accumulator.Choices.Count == 0) return null;
        return JsonScratch.Write(accumulator.Choices, static (w, choices) =>
        {
            if (choices.Count > 1) w.WriteStartArray();
            for (var c = 0; c < choices.Count; c++)
            {
                var choice = choices[c];
                w.WriteStartObject();
                w.WriteString("role"u8, choice.Role ?? "assistant");
                if (choice.Content is { } content) w.WriteString("content"u8, content);
                else w.WriteNull("content"u8);
                if (choice.ToolCalls.Count > 0)
                {
                    w.WriteStartArray("tool_calls"u8);
                    foreach (var call in choice.ToolCalls)
                    {
                        w.WriteStartObject();
                        if (call.Id is { } id) w.WriteString("id"u8, id);
                        w.WriteString("type"u8, "function");
                        w.WriteStartObject("function"u8);
                        if (call.Name is { } name) w.WriteString("name"u8, name);
                        w.WriteString("arguments"u8, call.Arguments ?? "");
                        w.WriteEndObject();
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                }
                if (choice.FinishReason is { } reason) w.WriteString("finish_reason"u8, reason);
                w.WriteEndObject();
            }
            if (choices.Count > 1) w.WriteEndArray();
        }, maxChars);
    }

    private static string ToolCallsJson(List<PromptToolCall> calls, bool capture) =>
        JsonScratch.Write((calls, capture), static (w, state) =>
        {
            w.WriteStartArray();
            foreach (var call in state.calls)
            {
                w.WriteStartObject();
                if (call.Id is { } id) w.WriteString("id"u8, id);
                w.WriteString("type"u8, "function");
                w.WriteStartObject("function"u8);
                if (call.Name is { } name) w.WriteString("name"u8, name);
                if (state.capture && call.Arguments is { } arguments) w.WriteString("arguments"u8, arguments);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });

    /// <summary><c>tfy.request.metadata</c>: the x-tfy-metadata map as a JSON object.</summary>
    public static string MetadataJson(IReadOnlyDictionary<string, string> metadata) =>
        JsonScratch.Write(metadata, static (w, metadata) =>
        {
            // Sorted so equal metadata gives equal strings (span stores group and filter on it), in a pooled array:
            // LINQ's OrderBy cost 390 B per request for three entries (issue #11).
            var pairs = ArrayPool<KeyValuePair<string, string>>.Shared.Rent(metadata.Count);
            var count = 0;
            try
            {
                foreach (var pair in metadata) pairs[count++] = pair;
                pairs.AsSpan(0, count).Sort(s_byKey);
                w.WriteStartObject();
                for (var i = 0; i < count; i++) w.WriteString(pairs[i].Key, pairs[i].Value);
                w.WriteEndObject();
            }
            finally
            {
                pairs.AsSpan(0, count).Clear();
                ArrayPool<KeyValuePair<string, string>>.Shared.Return(pairs);
            }
        });

    private static readonly Comparison<KeyValuePair<string, string>> s_byKey = static (a, b) => string.CompareOrdinal(a.Key, b.Key);

    /// <summary><c>tfy.input_short_hand</c>: the last user message (what a list of requests shows), else the last message.</summary>
    public static string? ShortHand(List<PromptMessage> prompt)
    {
        for (var i = prompt.Count - 1; i >= 0; i--)
        {
            if (prompt[i].Role == "user" && !string.IsNullOrWhiteSpace(prompt[i].Content)) return SpanText.ShortHand(prompt[i].Content!);
        }
        for (var i = prompt.Count - 1; i >= 0; i--)
        {
            if (!string.IsNullOrWhiteSpace(prompt[i].Content)) return SpanText.ShortHand(prompt[i].Content!);
        }
        return null;
    }
}
