using System.Diagnostics;
using Gateway.Config;

namespace Gateway.Guardrails;

/// <summary>
/// <c>type: max_length</c>: all text parts together, in characters or in estimated tokens. Tokens are estimated
/// at four characters each (OpenAI's rule of thumb for English), rounded up: no tokenizer on the request path.
/// </summary>
internal sealed class MaxLengthGuardrail(GuardrailConfig config) : IGuardrail
{
    public GuardrailConfig Config { get; } = config;

    public static long EstimateTokens(long chars) => (chars + 3) / 4;

    public ValueTask<GuardrailVerdict> CheckAsync(GuardrailCheck check, Activity? span, CancellationToken ct)
    {
        var chars = check.TotalChars;
        if (Config.MaxChars is { } maxChars && chars > maxChars)
        {
            return ValueTask.FromResult(GuardrailVerdict.Violation($"{chars} characters, more than the limit of {maxChars}"));
        }
        if (Config.MaxTokens is { } maxTokens && EstimateTokens(chars) > maxTokens)
        {
            return ValueTask.FromResult(GuardrailVerdict.Violation($"about {EstimateTokens(chars)} tokens, more than the limit of {maxTokens}"));
        }
        return ValueTask.FromResult(GuardrailVerdict.Pass);
    }
}
