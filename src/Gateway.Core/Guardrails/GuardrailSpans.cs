using System.Diagnostics;
using System.Text.Json;
using Gateway.Config;
using Gateway.Proxy;
using Gateway.Tracing;

namespace Gateway.Guardrails;

/// <summary>
/// The <c>Guardrail</c> span of one guardrail run (seed 003: tfy.span_type Guardrail and every tfy.guardrail.*
/// attribute), with the GenAI conventions' proposed <c>apply_guardrail</c> attributes beside them. Content is
/// stored as the guardrail left it: redacted when it looks for PII (docs/guardrails.md, "Spans").
/// </summary>
internal static class GuardrailSpans
{
    // tfy.guardrail.result values (reference 1.4 names pass, mutate and flag).
    public const string Pass = "pass";
    public const string Mutate = "mutate";
    public const string Flag = "flag";
    public const string Block = "block";
    public const string Error = "error";

    public static Activity? Start(Exchange? exchange, string name, GuardrailCheck check)
    {
        var span = GatewaySpans.Start(SpanNames.Guardrail, exchange, SpanTypes.Guardrail);
        if (span is not { IsAllDataRequested: true }) return span;
        var entity = check.Entity;
        span.SetTag(SpanAttributes.TfyGuardrailId, name);
        span.SetTag(SpanAttributes.TfyGuardrailName, name);
        span.SetTag(SpanAttributes.TfyGuardrailFqn, name);
        span.SetTag(SpanAttributes.TfyGuardrailAppliedOnEntityType, entity.Type);
        span.SetTag(SpanAttributes.TfyGuardrailAppliedOnEntityId, entity.Id);
        span.SetTag(SpanAttributes.TfyGuardrailAppliedOnEntityName, entity.Name);
        span.SetTag(SpanAttributes.TfyGuardrailAppliedOnEntityFqn, entity.Id);
        span.SetTag(SpanAttributes.TfyGuardrailAppliedOnEntityScope, entity.Scope);
        span.SetTag(SpanAttributes.GenAiOperationName, OperationNames.ApplyGuardrail);
        span.SetTag(SpanAttributes.GenAiGuardrailName, name);
        span.SetTag(SpanAttributes.GenAiSecurityTargetType, check.Hook switch
        {
            GuardrailHook.LlmInput => "llm_input",
            GuardrailHook.LlmOutput => "llm_output",
            GuardrailHook.McpToolPreInvoke => "tool_call",
            _ => "tool_result",
        });
        return span;
    }

    public static void End(Activity? span, GuardrailCheck check, string result, string? reason, string? error, IReadOnlyList<string> parts, TracingOptions tracing, double latencyMs)
    {
        if (span is not { IsAllDataRequested: true }) return;
        span.SetTag(SpanAttributes.TfyGuardrailResult, result);
        span.SetTag(SpanAttributes.TfyGuardrailMetricLatencyInMs, Math.Round(latencyMs, 3));
        span.SetTag(SpanAttributes.GenAiSecurityDecisionType, result switch
        {
            Pass => "allow",
            Mutate => "modify",
            Block => "deny",
            Flag => "audit",
            _ => "error",
        });
        if (tracing.CaptureContent) span.SetTag(SpanAttributes.TfyInput, SpanText.Truncate(JsonSerializer.Serialize([.. parts], GuardrailsJsonContext.Default.StringArray), tracing.MaxContentChars));
        span.SetTag(SpanAttributes.TfyOutput, reason is null ? result : result + ": " + reason);
        if (error is not null)
        {
            span.SetTag(SpanAttributes.TfyErrorMessage, error);
            span.SetStatus(ActivityStatusCode.Error, error);
        }
        else if (result == Error)
        {
            span.SetTag(SpanAttributes.TfyErrorMessage, reason);
        }
    }

    /// <summary>
    /// Adds to tfy.triggered_guardrail_fqns on the request's root span: every guardrail that found something
    /// (block, mutate or flag), once, in the order they ran, input, tools and output hooks together.
    /// </summary>
    public static void AddTriggered(Exchange exchange, IReadOnlyList<string> fqns)
    {
        if (fqns.Count == 0 || exchange.ListenerState is not ExchangeTrace { Root: { IsAllDataRequested: true } root }) return;
        var current = root.GetTagItem(SpanAttributes.TfyTriggeredGuardrailFqns) as string[] ?? [];
        var merged = current.Concat(fqns.Where(f => !current.Contains(f))).Distinct().ToArray();
        if (merged.Length != current.Length) root.SetTag(SpanAttributes.TfyTriggeredGuardrailFqns, merged);
    }

    /// <summary>
    /// The request as the root and Model spans store it (tfy.input, the prompt messages), replaced by its redacted
    /// form. Model spans start later and read it from the trace; the root's tag is overwritten.
    /// </summary>
    public static void ReplaceRequest(ExchangeTrace trace, Exchange exchange, ReadOnlySpan<byte> body)
    {
        var options = trace.Options;
        if (!options.CaptureContent) return;
        trace.Prompt = RequestMessages.Read(body, exchange.Operation, options.CaptureContent, options.MaxContentChars);
        trace.Input = SpanText.Utf8(body, options.MaxContentChars);
        if (trace.Root is not { IsAllDataRequested: true } root) return;
        root.SetTag(SpanAttributes.TfyInput, trace.Input);
        if (CompletionTags.ShortHand(trace.Prompt) is { } shortHand) root.SetTag(SpanAttributes.TfyInputShortHand, shortHand);
    }
}
