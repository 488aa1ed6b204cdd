using Gateway.Auth;
using Gateway.Config;

namespace Gateway.Guardrails;

/// <summary>
/// The content one guardrail looks at: the text parts of a request, an answer or a tool call (each message
/// text, in order), with who asked and what is guarded.
/// </summary>
internal sealed record GuardrailCheck(GuardrailHook Hook, IReadOnlyList<string> Parts, Subject Subject, IReadOnlyDictionary<string, string> Metadata, GuardedEntity Entity)
{
    public int TotalChars
    {
        get
        {
            var n = 0;
            foreach (var p in Parts) n += p.Length;
            return n;
        }
    }

    /// <summary>The hook's name as the config spells it (webhook bodies, span attributes).</summary>
    public static string HookName(GuardrailHook hook) => hook switch
    {
        GuardrailHook.LlmInput => "llm_input_guardrails",
        GuardrailHook.LlmOutput => "llm_output_guardrails",
        GuardrailHook.McpToolPreInvoke => "mcp_tool_pre_invoke_guardrails",
        _ => "mcp_tool_post_invoke_guardrails",
    };
}
