namespace Gateway.Config;

/// <summary>
/// One of <c>guardrails.rules</c>, resolved: its condition and, per hook, the guardrails it applies (names of
/// <c>guardrails.configs</c>, checked to exist).
/// </summary>
internal sealed class GuardrailRuleConfig
{
    public required string Id { get; init; }
    /// <summary>Subjects, models and metadata (models only constrain the LLM hooks).</summary>
    public required RuleCondition When { get; init; }
    /// <summary><c>server</c> or <c>server:tool</c>; empty: every MCP server (only constrains the MCP hooks).</summary>
    public IReadOnlyList<string> McpServers { get; init; } = [];
    public IReadOnlyList<string> LlmInput { get; init; } = [];
    public IReadOnlyList<string> LlmOutput { get; init; } = [];
    public IReadOnlyList<string> McpToolPreInvoke { get; init; } = [];
    public IReadOnlyList<string> McpToolPostInvoke { get; init; } = [];

    public IReadOnlyList<string> For(GuardrailHook hook) => hook switch
    {
        GuardrailHook.LlmInput => LlmInput,
        GuardrailHook.LlmOutput => LlmOutput,
        GuardrailHook.McpToolPreInvoke => McpToolPreInvoke,
        _ => McpToolPostInvoke,
    };
}
