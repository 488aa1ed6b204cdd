namespace Gateway.Guardrails;

/// <summary>OpenAI's moderation answer: one result per input.</summary>
internal sealed record ModerationAnswer(IReadOnlyList<ModerationResult>? Results = null);
