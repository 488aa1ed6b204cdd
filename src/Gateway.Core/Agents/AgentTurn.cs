using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Gateway.OpenAI;
using Gateway.OpenAI.Wire;
using Gateway.Pipeline;
using Gateway.Providers;
using Gateway.Proxy;
using Gateway.Streaming;
using Gateway.Tracing;

namespace Gateway.Agents;

/// <summary>
/// One model call of the tool loop: a chat completion request built from the conversation so far and the
/// offered tools, run through the turn stages (limits, routing, retries, fallback: <see cref="RequestPath.TurnRunnerFor"/>)
/// into a buffer, and read back. Its Model and Network Call spans nest under the agent's root span.
/// </summary>
internal static class AgentTurn
{
    /// <summary>The chat completion request of a turn; <paramref name="messages"/> are raw JSON messages.</summary>
    public static byte[] Body(AgentRequest request, IReadOnlyList<string> messages, IReadOnlyList<AgentTool> tools, bool stream)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("model"u8, request.Model);
            w.WriteStartArray("messages"u8);
            foreach (var m in messages) w.WriteRawValue(m, skipInputValidation: true);
            w.WriteEndArray();
            if (tools.Count > 0)
            {
                w.WriteStartArray("tools"u8);
                foreach (var t in tools)
                {
                    w.WriteStartObject();
                    w.WriteString("type"u8, "function");
                    w.WriteStartObject("function"u8);
                    w.WriteString("name"u8, t.ExposedName);
                    if (t.Tool.Description is { } description) w.WriteString("description"u8, description);
                    w.WritePropertyName("parameters"u8);
                    if (t.Tool.InputSchema.ValueKind == JsonValueKind.Object) t.Tool.InputSchema.WriteTo(w);
                    else w.WriteRawValue("""{"type":"object","properties":{}}""");
                    w.WriteEndObject();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            if (request.MaxTokens is { } max) w.WriteNumber("max_tokens"u8, max);
            if (request.Temperature is { } temperature) w.WriteNumber("temperature"u8, temperature);
            if (request.TopP is { } topP) w.WriteNumber("top_p"u8, topP);
            if (request.TopK is { } topK) w.WriteNumber("top_k"u8, topK);
            if (stream)
            {
                w.WriteBoolean("stream"u8, true);
                w.WriteStartObject("stream_options"u8);
                w.WriteBoolean("include_usage"u8, true);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <param name="onText">Streamed turns: called with each piece of the model's text as it arrives; null for a buffered turn.</param>
    public static async Task<TurnResult> RunAsync(RequestContext agent, StageRunner runner, byte[] body, Func<string, ValueTask>? onText, CancellationToken ct)
    {
        var parent = agent.Exchange;
        var turn = new Exchange
        {
            Operation = Operation.Chat,
            StartTimestamp = Stopwatch.GetTimestamp(),
            Subject = parent.Subject,
            Metadata = parent.Metadata,
            ConversationId = parent.ConversationId,
        };
        if (!RequestHead.TryRead(body, out turn.Head, out var headError)) return TurnResult.Failed(headError!);
        var trace = parent.ListenerState as ExchangeTrace;
        var capture = trace?.Options.CaptureContent ?? false;
        if (trace is not null)
        {
            // Same root and project as the agent request; the turn's own body as tfy.input of its Model span.
            turn.ListenerState = new ExchangeTrace(trace.Root, trace.Options)
            {
                ProjectFqn = trace.ProjectFqn,
                Input = capture ? SpanText.Utf8(body, trace.Options.MaxContentChars) : null,
            };
        }
        turn.Accumulator = new CompletionAccumulator(capture, trace?.Options.MaxContentChars ?? 0);
        turn.RequestBody = body;
        var buffer = onText is null ? new BufferSink() : null;
        var relay = onText is null ? null : new RelaySink(onText);
        var context = new RequestContext(agent.Http, agent.Snapshot, turn)
        {
            Sink = (IResponseSink?)buffer ?? relay,
            Body = new PooledBuffer(body, pool: null),
            BodyLength = body.Length,
            Timeouts = agent.Timeouts,
            RetryOverride = agent.RetryOverride,
        };
        try
        {
            var rejection = await runner.RunAsync(context, ct).ConfigureAwait(false);
            if (rejection is not null) return TurnResult.Failed(rejection);
        }
        finally
        {
            turn.EndTimestamp = Stopwatch.GetTimestamp();
            await runner.EndAsync(context).ConfigureAwait(false);
        }
        var input = turn.Accumulator.InputTokens ?? 0;
        var output = turn.Accumulator.OutputTokens ?? 0;
        return buffer is not null ? ReadBuffered(buffer, input, output) : ReadStreamed(relay!, input, output);
    }

    private static TurnResult ReadBuffered(BufferSink sink, long input, long output)
    {
        if (sink.Status is < 200 or > 299 || sink.Truncated) return TurnResult.Failed(AgentErrors.BadTurn(sink.Status, ErrorText(sink.Content.Span, sink.Status)));
        if (sink.ReadChatCompletion() is not { Choices.Count: > 0 } completion) return TurnResult.Failed(AgentErrors.BadTurn(502, "the answer is not a chat completion"));
        var choice = completion.Choices[0];
        var usage = completion.Usage;
        return new TurnResult(null, choice.Message.Content, choice.Message.ToolCalls ?? [], choice.FinishReason,
            usage?.PromptTokens ?? input, usage?.CompletionTokens ?? output);
    }

    private static TurnResult ReadStreamed(RelaySink sink, long input, long output)
    {
        if (sink.Status is < 200 or > 299) return TurnResult.Failed(AgentErrors.BadTurn(sink.Status, ErrorText(sink.Content.Span, sink.Status)));
        if (sink.Truncated) return TurnResult.Failed(AgentErrors.BadTurn(502, "the model's stream broke off: " + ErrorText(sink.Content.Span, 502)));
        var text = new StringBuilder();
        string? finish = null;
        var calls = new SortedDictionary<int, (string? Id, string? Name, StringBuilder Arguments)>();
        foreach (var chunk in sink.ReadChunks())
        {
            if (chunk.Usage is { } usage)
            {
                input = usage.PromptTokens ?? input;
                output = usage.CompletionTokens ?? output;
            }
            if (chunk.Choices is not { Count: > 0 }) continue;
            var choice = chunk.Choices[0];
            finish = choice.FinishReason ?? finish;
            if (choice.Delta is not { } delta) continue;
            text.Append(delta.Content);
            foreach (var call in delta.ToolCalls ?? [])
            {
                var index = call.Index ?? 0;
                var entry = calls.TryGetValue(index, out var e) ? e : (null, null, new StringBuilder());
                calls[index] = (call.Id ?? entry.Id, call.Function?.Name ?? entry.Name, entry.Arguments.Append(call.Function?.Arguments));
            }
        }
        var toolCalls = calls.Values.Select(c => new ToolCall(c.Id, "function", new ToolCall.Call(c.Name, c.Arguments.ToString()))).ToList();
        return new TurnResult(null, text.Length == 0 && toolCalls.Count > 0 ? null : text.ToString(), toolCalls, finish, input, output);
    }

    private static string ErrorText(ReadOnlySpan<byte> body, int status)
    {
        var accumulator = new CompletionAccumulator(false, 0);
        accumulator.Observe(body);
        return accumulator.ErrorMessage ?? $"status {status}";
    }
}
