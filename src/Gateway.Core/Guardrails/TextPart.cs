namespace Gateway.Guardrails;

/// <summary>A JSON string holding message text: where its token (quotes included) sits in the body, and its value.</summary>
internal readonly record struct TextPart(int Start, int Length, string Value);
