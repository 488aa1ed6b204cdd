namespace Gateway.Guardrails;

/// <summary>The guarded model or MCP tool, as in tfy.guardrail.applied_on_entity.*.</summary>
internal sealed record WebhookEntity(string Type, string Id, string Name, string Scope);
