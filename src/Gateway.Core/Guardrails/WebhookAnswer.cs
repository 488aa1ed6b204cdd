namespace Gateway.Guardrails;

/// <summary>
/// A webhook's answer: <c>{"result":"pass"}</c>, <c>{"result":"block","reason":"..."}</c> or
/// <c>{"result":"mutate","content":["..."]}</c> with as many parts as it was sent.
/// </summary>
internal sealed record WebhookAnswer(string? Result = null, string? Reason = null, IReadOnlyList<string>? Content = null);
