namespace Gateway.Config;

/// <summary>
/// The <c>guardrails</c> section (reference 1.4, docs/guardrails.md): named integrations and the rules that
/// apply them. Every matching rule applies, in file order; a guardrail named by several runs once.
/// </summary>
internal sealed class GuardrailsConfig
{
    public static readonly GuardrailsConfig Empty = new();

    public IReadOnlyDictionary<string, GuardrailConfig> Configs { get; init; } = new Dictionary<string, GuardrailConfig>();
    public IReadOnlyList<GuardrailRuleConfig> Rules { get; init; } = [];

    public bool IsEmpty => Rules.Count == 0;
}
