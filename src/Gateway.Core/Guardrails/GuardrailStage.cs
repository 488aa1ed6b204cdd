using System.Buffers;
using Gateway.Config;
using Gateway.OpenAI;
using Gateway.Pipeline;
using Gateway.Providers;
using Gateway.Proxy;
using Gateway.Streaming;
using Gateway.Tracing;

namespace Gateway.Guardrails;

/// <summary>
/// The guardrail stage (DESIGN.md "The request path: stages"): runs the llm_input_guardrails of the rules that
/// match the request on its message text, before routing; a violation answers 400 <c>guardrail_violation</c>, a
/// mutation rewrites the body the upstream gets (only the rewritten strings change). When llm_output_guardrails
/// match too, it sets the response filter (<see cref="OutputGuardrails"/>) the call stage applies.
/// Chat, completions, embeddings and Anthropic messages are checked on input; chat and completions on output.
/// </summary>
internal sealed class GuardrailStage(GuardrailEngine engine) : IRequestStage
{
    public string Name => "guardrails";

    public GuardrailEngine Engine => engine;

    public async ValueTask<GatewayError?> RunAsync(RequestContext context, CancellationToken ct)
    {
        var exchange = context.Exchange;
        var op = exchange.Operation;
        if (op is not (Operation.Chat or Operation.Completion or Operation.Embedding or Operation.Messages)) return null;
        var model = exchange.Head.Model ?? "";
        if (context.Snapshot.Routing.TryResolveAlias(model, out var target)) model = target;
        var triggered = new TriggeredGuardrails(exchange);
        var check = new GuardrailCheck(GuardrailHook.LlmInput, [], exchange.Subject, exchange.Metadata, GuardedEntity.Model(model));

        var input = engine.ForModel(GuardrailHook.LlmInput, exchange.Subject, model, exchange.Metadata);
        if (input.Count > 0)
        {
            var error = await CheckInputAsync(context, input, check, triggered, ct).ConfigureAwait(false);
            if (error is not null) return error;
        }
        if (op is Operation.Chat or Operation.Completion && engine.HasOutputGuardrails)
        {
            var output = engine.ForModel(GuardrailHook.LlmOutput, exchange.Subject, model, exchange.Metadata);
            if (output.Count > 0)
            {
                if (exchange.IsStream)
                {
                    // The check reads the streamed text; usage and the rest are read as before.
                    exchange.Accumulator = new CompletionAccumulator(captureContent: true, OutputGuardrails.MaxCapture);
                }
                context.ResponseFilter = new OutputGuardrails(engine, output, check with { Hook = GuardrailHook.LlmOutput }, triggered);
                // The Model span waits for the checked answer (TracingListener): what the spans store is redacted.
                if (exchange.ListenerState is ExchangeTrace trace) trace.OutputGuarded = true;
            }
        }
        return null;
    }

    private async ValueTask<GatewayError?> CheckInputAsync(RequestContext context, IReadOnlyList<IGuardrail> input, GuardrailCheck check, TriggeredGuardrails triggered, CancellationToken ct)
    {
        var exchange = context.Exchange;
        var parts = JsonTextParts.Read(context.BodyMemory.Span, request: true);
        var values = JsonTextParts.Values(parts);
        var run = await engine.RunAsync(input, check with { Parts = values }, exchange, ct).ConfigureAwait(false);
        triggered.Add(run.Triggered);
        if (run.Mutated)
        {
            var body = JsonTextParts.Splice(context.BodyMemory.Span, parts, run.Parts, out var length);
            var old = context.Body!;
            context.Body = new PooledBuffer(body, ArrayPool<byte>.Shared);
            context.BodyLength = length;
            old.Release();
            // The head's offsets (the model token the router rewrites) moved with the text before them.
            RequestHead.TryRead(context.BodyMemory.Span, out exchange.Head, out _);
            exchange.RequestBody = context.BodyMemory;
        }
        if (!ReferenceEquals(run.SpanParts, values) && exchange.ListenerState is ExchangeTrace trace)
        {
            // Spans store the request as redacted for them (PII), which may differ from what went upstream (validate, audit).
            var spanBody = JsonTextParts.Splice(context.BodyMemory.Span, JsonTextParts.Read(context.BodyMemory.Span, request: true), run.SpanParts, out var spanLength);
            try
            {
                GuardrailSpans.ReplaceRequest(trace, exchange, spanBody.AsSpan(0, spanLength));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(spanBody);
            }
        }
        return run.Blocked;
    }
}
