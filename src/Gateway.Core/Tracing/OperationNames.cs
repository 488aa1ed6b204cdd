namespace Gateway.Tracing;

/// <summary><c>gen_ai.operation.name</c> values (../shared/reference/genai-semconv.md).</summary>
internal static class OperationNames
{
    public const string Chat = "chat";
    public const string TextCompletion = "text_completion";
    public const string Embeddings = "embeddings";
    // Not a GenAI convention value (none exists for rerank yet); the endpoint's name.
    public const string Rerank = "rerank";
    // GenAI conventions: a tool call an agent makes, and the agent run around it.
    public const string ExecuteTool = "execute_tool";
    public const string InvokeAgent = "invoke_agent";
    // The proposed value for guardrail spans (docs/guardrails.md).
    public const string ApplyGuardrail = "apply_guardrail";
}
