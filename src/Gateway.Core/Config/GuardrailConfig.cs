namespace Gateway.Config;

/// <summary>
/// One of <c>guardrails.configs</c>: a named guardrail integration, bound as written (its fields are those of
/// every type; <see cref="GuardrailsConfigReader"/> checks that the ones its type needs are there).
/// Defaults are given here, once.
/// </summary>
/// <param name="Name">What rules list it by; also its <c>tfy.guardrail.fqn</c> (e.g. <c>pii-group/pii-redaction</c>).</param>
/// <param name="StreamMode">Output on streams: <c>flow</c> or <c>hold</c> (validate only; <see cref="GuardrailStreamMode"/>).</param>
/// <param name="Entities">pii: what to look for; all of them when absent.</param>
/// <param name="Keywords">deny_list: words or phrases, matched as whole words.</param>
/// <param name="Patterns">deny_list: .NET regular expressions (compiled once per config, with a match timeout).</param>
/// <param name="CaseSensitive">deny_list: keywords and patterns match case-sensitively.</param>
/// <param name="MaxChars">max_length: the most characters of text (all messages' text together).</param>
/// <param name="MaxTokens">max_length: the most estimated tokens (four characters a token).</param>
/// <param name="Threshold">prompt_injection: the score that counts as an injection; moderation: the category score that blocks (0: the provider's own flag).</param>
/// <param name="Url">webhook: where to POST.</param>
/// <param name="Headers">webhook: sent with every call (e.g. an Authorization header).</param>
/// <param name="TimeoutMs">webhook and moderation: the longest a call may take; past it the guardrail has failed (its strategy decides).</param>
/// <param name="Provider">moderation: a configured provider whose <c>/moderations</c> answers.</param>
/// <param name="Model">moderation: the model asked (e.g. <c>omni-moderation-latest</c>).</param>
/// <param name="Categories">moderation: only these categories block; all when absent.</param>
internal sealed record GuardrailConfig(
    string? Name = null,
    GuardrailKind? Type = null,
    GuardrailOperation Operation = GuardrailOperation.Validate,
    EnforcingStrategy EnforcingStrategy = EnforcingStrategy.Enforce,
    GuardrailStreamMode StreamMode = GuardrailStreamMode.Flow,
    IReadOnlyList<PiiEntity>? Entities = null,
    IReadOnlyList<string>? Keywords = null,
    IReadOnlyList<string>? Patterns = null,
    bool CaseSensitive = false,
    int? MaxChars = null,
    int? MaxTokens = null,
    double Threshold = 0.5,
    string? Url = null,
    IReadOnlyDictionary<string, string>? Headers = null,
    int TimeoutMs = GuardrailConfig.DefaultTimeoutMs,
    string? Provider = null,
    string? Model = null,
    IReadOnlyList<string>? Categories = null)
{
    public const int DefaultTimeoutMs = 2_000;
}
