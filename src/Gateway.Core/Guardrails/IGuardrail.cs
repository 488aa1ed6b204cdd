using System.Diagnostics;
using Gateway.Config;

namespace Gateway.Guardrails;

/// <summary>
/// One configured guardrail (STYLE.md 16: a small interface picked by config name). It reports what it
/// found; <see cref="GuardrailEngine"/> applies the enforcing strategy and records the span.
/// </summary>
internal interface IGuardrail
{
    GuardrailConfig Config { get; }

    /// <param name="span">Its Guardrail span, when recorded (a webhook hangs its network call span under it).</param>
    ValueTask<GuardrailVerdict> CheckAsync(GuardrailCheck check, Activity? span, CancellationToken ct);

    /// <summary>The parts as the spans may store them (PII redacted whatever the operation); the parts themselves for most guardrails.</summary>
    IReadOnlyList<string> ForSpans(IReadOnlyList<string> parts) => parts;
}
