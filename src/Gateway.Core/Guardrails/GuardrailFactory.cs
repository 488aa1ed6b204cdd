using Gateway.Config;

namespace Gateway.Guardrails;

/// <summary>Builds the guardrail of a config entry by its <c>type</c>.</summary>
internal static class GuardrailFactory
{
    public static IGuardrail Create(GuardrailConfig config, GatewayConfig gateway, HttpMessageInvoker http) => config.Type switch
    {
        GuardrailKind.Pii => new PiiGuardrail(config),
        GuardrailKind.DenyList => new DenyListGuardrail(config),
        GuardrailKind.MaxLength => new MaxLengthGuardrail(config),
        GuardrailKind.PromptInjection => new PromptInjectionGuardrail(config),
        GuardrailKind.Webhook => new WebhookGuardrail(config, http),
        GuardrailKind.Moderation => new ModerationGuardrail(config, gateway.Providers.First(p => p.Name == config.Provider), http),
        _ => throw new ArgumentOutOfRangeException(nameof(config), config.Type, "unknown guardrail type"),
    };
}
