namespace Gateway.Guardrails;

/// <summary>
/// What a webhook guardrail receives (docs/guardrails.md): the hook, the guardrail's name, the text parts (one
/// string per message text, in order), the caller, the request metadata and what is guarded.
/// </summary>
internal sealed record WebhookRequest(string Hook, string Guardrail, IReadOnlyList<string> Content, string Subject, IReadOnlyDictionary<string, string> Metadata, WebhookEntity Entity);
