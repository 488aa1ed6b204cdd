using Gateway.Config;
using Gateway.OpenAI;

namespace Gateway.Guardrails;

/// <summary>The errors guardrails answer with, in OpenAI's shape; they name the guardrail and what it found, never the text.</summary>
internal static class GuardrailErrors
{
    public static GatewayError Violation(string guardrail, GuardrailHook hook, string reason) =>
        new(400, "invalid_request_error", "guardrail_violation", $"{What(hook)} was blocked by guardrail '{guardrail}': {reason}.");

    /// <summary>A guardrail under <c>enforce</c> could not run: the content was not checked, so it does not pass.</summary>
    public static GatewayError Unavailable(string guardrail, string reason) =>
        new(503, "server_error", "guardrail_unavailable", $"Guardrail '{guardrail}' could not be evaluated ({reason}) and its enforcing strategy is enforce.");

    private static string What(GuardrailHook hook) => hook switch
    {
        GuardrailHook.LlmInput => "The request",
        GuardrailHook.LlmOutput => "The response",
        GuardrailHook.McpToolPreInvoke => "The tool call",
        _ => "The tool result",
    };
}
