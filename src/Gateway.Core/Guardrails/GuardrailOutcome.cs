namespace Gateway.Guardrails;

/// <summary>What a guardrail found, before its enforcing strategy decides what that does.</summary>
internal enum GuardrailOutcome
{
    Pass,
    /// <summary>The content breaks the guardrail's policy.</summary>
    Violation,
    /// <summary>The guardrail rewrote the content (mutate only); <see cref="GuardrailVerdict.Parts"/> holds it.</summary>
    Mutated,
    /// <summary>The guardrail could not run (timeout, unreachable, bad answer).</summary>
    Error,
}
