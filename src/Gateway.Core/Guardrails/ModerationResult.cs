namespace Gateway.Guardrails;

internal sealed record ModerationResult(bool Flagged = false, IReadOnlyDictionary<string, bool>? Categories = null, IReadOnlyDictionary<string, double>? CategoryScores = null);
