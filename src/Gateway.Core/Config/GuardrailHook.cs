namespace Gateway.Config;

/// <summary>Where a guardrail runs (reference 1.4: the four hook lists of a rule).</summary>
internal enum GuardrailHook
{
    LlmInput,
    LlmOutput,
    McpToolPreInvoke,
    McpToolPostInvoke,
}
