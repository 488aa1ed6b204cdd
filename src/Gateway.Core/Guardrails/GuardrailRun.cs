using Gateway.OpenAI;

namespace Gateway.Guardrails;

/// <summary>
/// What the guardrails of one hook decided together: the content to go on with (mutated or not), the error
/// that stops the request (a violation or a failure under <c>enforce</c>), and which guardrails triggered
/// (tfy.triggered_guardrail_fqns).
/// </summary>
internal sealed record GuardrailRun(IReadOnlyList<string> Parts, bool Mutated, GatewayError? Blocked, IReadOnlyList<string> Triggered)
{
    /// <summary>The parts as the spans may store them: redacted by every PII guardrail that ran, whatever its operation.</summary>
    public IReadOnlyList<string> SpanParts { get; init; } = Parts;
}
