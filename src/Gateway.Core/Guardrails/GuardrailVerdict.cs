namespace Gateway.Guardrails;

/// <summary>
/// One guardrail's finding. <see cref="Reason"/> says what kind of thing was found, never the text that
/// matched (it reaches the client and the spans).
/// </summary>
internal sealed record GuardrailVerdict(GuardrailOutcome Outcome, string? Reason = null, IReadOnlyList<string>? Parts = null)
{
    public static readonly GuardrailVerdict Pass = new(GuardrailOutcome.Pass);

    public static GuardrailVerdict Violation(string reason) => new(GuardrailOutcome.Violation, reason);

    public static GuardrailVerdict Mutated(IReadOnlyList<string> parts, string reason) => new(GuardrailOutcome.Mutated, reason, parts);

    public static GuardrailVerdict Error(string reason) => new(GuardrailOutcome.Error, reason);
}
