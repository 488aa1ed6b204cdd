using System.Buffers;
using Gateway.Config;
using Gateway.OpenAI;
using Gateway.Pipeline;
using Gateway.Providers;
using Gateway.Streaming;
using Gateway.Tracing;

namespace Gateway.Guardrails;

/// <summary>
/// The llm_output_guardrails of one request (docs/guardrails.md, "Output and streams"):
/// <list type="bullet">
/// <item>A whole answer is held, checked, then sent as is, rewritten (mutate) or replaced by a 400.</item>
/// <item>A stream with a <c>stream_mode: hold</c> guardrail is held whole the same way: the client sees no token
/// until the check passed; a violation (or a mutation, which a stream cannot take) is a clean 400.</item>
/// <item>Otherwise the stream flows: tokens reach the client as they come, the check runs on the whole text at
/// the end (only [DONE] waits for it), and a block or a mutation ends the stream with an SSE error event.</item>
/// </list>
/// </summary>
internal sealed class OutputGuardrails(GuardrailEngine engine, IReadOnlyList<IGuardrail> guardrails, GuardrailCheck check, TriggeredGuardrails triggered) : IResponseFilter
{
    private readonly bool _holdStream = guardrails.Any(g => g.Config.StreamMode == GuardrailStreamMode.Hold);

    public IResponseSink Wrap(IResponseSink client) => triggered.Exchange.IsStream && !_holdStream ? new FlowSink(client) : new HeldSink(client);

    public async ValueTask<GatewayError?> CompleteAsync(RequestContext context, IResponseSink sink, GatewayError? callError, CancellationToken ct)
    {
        if (callError is not null) return callError;
        return sink is HeldSink held ? await CompleteHeldAsync(context, held, ct).ConfigureAwait(false) : await CompleteFlowingAsync((FlowSink)sink, ct).ConfigureAwait(false);
    }

    private async ValueTask<GatewayError?> CompleteHeldAsync(RequestContext context, HeldSink held, CancellationToken ct)
    {
        if (!held.HasStarted || held.ErrorSent) return null;
        var exchange = triggered.Exchange;
        // An upstream's refusal or a broken answer is not model output: it goes to the client as it came.
        if (held.Status is < 200 or > 299 || held.Truncated)
        {
            await held.ReleaseAsync(held.Content, ct).ConfigureAwait(false);
            return null;
        }
        var stream = exchange.IsStream;
        var parts = stream ? null : JsonTextParts.Read(held.Content.Span, request: false);
        var run = await engine.RunAsync(guardrails, check with { Parts = parts is null ? StreamText(exchange.Accumulator) : JsonTextParts.Values(parts) }, exchange, ct).ConfigureAwait(false);
        triggered.Add(run.Triggered);
        var blocked = run.Blocked ?? (stream && run.Mutated ? GuardrailErrors.Violation(run.Triggered[^1], GuardrailHook.LlmOutput, "a streamed answer cannot be rewritten") : null);
        if (blocked is not null)
        {
            // The upstream's headers were set for its answer, not for this error. An agent turn's sink is its buffer:
            // the client's response is the agent's (maybe a stream already under way), not the turn's.
            if (context.Sink is null) context.Http.Response.Headers.Clear();
            RedactSpans(run);
            return blocked;
        }
        if (run.Mutated)
        {
            var body = JsonTextParts.Splice(held.Content.Span, parts!, run.Parts, out var length);
            try
            {
                if (context.Sink is null) context.Http.Response.ContentLength = length;
                // What the client got is what the spans describe.
                var accumulator = new CompletionAccumulator(captureContent: true, MaxCapture);
                accumulator.Observe(body.AsSpan(0, length));
                exchange.Accumulator = accumulator;
                if (exchange.ListenerState is ExchangeTrace trace) trace.Output = null;
                await held.ReleaseAsync(body.AsMemory(0, length), ct).ConfigureAwait(false);
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(body);
            }
            return null;
        }
        RedactSpans(run);
        await held.ReleaseAsync(held.Content, ct).ConfigureAwait(false);
        return null;
    }

    private async ValueTask<GatewayError?> CompleteFlowingAsync(FlowSink flow, CancellationToken ct)
    {
        var exchange = triggered.Exchange;
        var run = await engine.RunAsync(guardrails, check with { Parts = StreamText(exchange.Accumulator) }, exchange, ct).ConfigureAwait(false);
        triggered.Add(run.Triggered);
        RedactSpans(run);
        var error = run.Blocked ?? (run.Mutated ? GuardrailErrors.Violation(run.Triggered[^1], GuardrailHook.LlmOutput, "a streamed answer cannot be rewritten once sent") : null);
        var client = flow.Writer.Client;
        if (error is null)
        {
            client.Write(flow.Writer.Held.Span);
            await client.FlushAsync(ct).ConfigureAwait(false);
            return null;
        }
        // Tokens are out: the client learns of the violation from an error event and a stream without its end.
        exchange.ErrorMessage ??= error.Message;
        exchange.StreamInterrupted = true;
        await SsePump.WriteErrorEventAsync(client, error.Message, error.Type, error.Code!).ConfigureAwait(false);
        await flow.Client.AbortAsync().ConfigureAwait(false);
        return null;
    }

    /// <summary>The most text the guardrails read from a streamed answer; the span store keeps less (tracing.max_content_chars).</summary>
    public const int MaxCapture = 4 * 1024 * 1024;

    private static IReadOnlyList<string> StreamText(CompletionAccumulator? accumulator)
    {
        if (accumulator is null) return [];
        var parts = new List<string>(accumulator.Choices.Count);
        foreach (var choice in accumulator.Choices) parts.Add(choice.Content ?? "");
        return parts;
    }

    /// <summary>The answer on the request's spans as the guardrails left it for spans (PII redacted).</summary>
    private void RedactSpans(GuardrailRun run)
    {
        var exchange = triggered.Exchange;
        if (exchange.Accumulator is not { } accumulator || exchange.ListenerState is not ExchangeTrace trace || !exchange.IsStream && run.SpanParts.Count != accumulator.Choices.Count) return;
        var changed = false;
        for (var i = 0; i < accumulator.Choices.Count && i < run.SpanParts.Count; i++)
        {
            if (accumulator.Choices[i].Content is { } content && content != run.SpanParts[i])
            {
                accumulator.Choices[i].ReplaceContent(run.SpanParts[i]);
                changed = true;
            }
        }
        if (changed) trace.Output = null;
    }
}
