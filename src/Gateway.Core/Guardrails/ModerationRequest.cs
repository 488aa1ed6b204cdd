namespace Gateway.Guardrails;

/// <summary>OpenAI's POST /v1/moderations body.</summary>
internal sealed record ModerationRequest(string? Model, IReadOnlyList<string> Input);
