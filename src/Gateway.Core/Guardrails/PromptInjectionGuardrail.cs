using System.Diagnostics;
using System.Globalization;
using Gateway.Config;

namespace Gateway.Guardrails;

/// <summary>
/// <c>type: prompt_injection</c>: scores the text against <see cref="PromptInjectionPatterns"/> (all parts
/// together, each pattern once) and flags it at or above <c>threshold</c>. For user input, and for MCP tool
/// results, where an injected "ignore previous instructions" would otherwise reach the model.
/// </summary>
internal sealed class PromptInjectionGuardrail(GuardrailConfig config) : IGuardrail
{
    public GuardrailConfig Config { get; } = config;

    public ValueTask<GuardrailVerdict> CheckAsync(GuardrailCheck check, Activity? span, CancellationToken ct)
    {
        var matched = 0;
        var score = 0.0;
        foreach (var part in check.Parts) score += PromptInjectionPatterns.Score(part, ref matched);
        if (score < Config.Threshold) return ValueTask.FromResult(GuardrailVerdict.Pass);
        var names = PromptInjectionPatterns.All.Where((_, i) => (matched & (1 << i)) != 0).Select(p => p.Name);
        return ValueTask.FromResult(GuardrailVerdict.Violation(
            $"prompt injection score {score.ToString("0.##", CultureInfo.InvariantCulture)} at or above {Config.Threshold.ToString("0.##", CultureInfo.InvariantCulture)} ({string.Join(", ", names)})"));
    }
}
