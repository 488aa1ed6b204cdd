using System.Diagnostics;
using Gateway.Config;

namespace Gateway.Guardrails;

/// <summary><c>type: pii</c>: validate blocks on any finding; mutate replaces each with its placeholder (<c>[EMAIL]</c>).</summary>
internal sealed class PiiGuardrail(GuardrailConfig config) : IGuardrail
{
    private readonly int _mask = PiiScanner.Mask(config.Entities);

    public GuardrailConfig Config { get; } = config;

    public ValueTask<GuardrailVerdict> CheckAsync(GuardrailCheck check, Activity? span, CancellationToken ct)
    {
        var parts = check.Parts;
        if (Config.Operation == GuardrailOperation.Validate)
        {
            var kinds = 0;
            foreach (var part in parts) kinds |= PiiScanner.FindKinds(part, _mask);
            return ValueTask.FromResult(kinds == 0 ? GuardrailVerdict.Pass : GuardrailVerdict.Violation("found " + PiiScanner.Describe(kinds)));
        }
        var redacted = Redact(parts, out var found);
        return ValueTask.FromResult(found == 0 ? GuardrailVerdict.Pass : GuardrailVerdict.Mutated(redacted, "redacted " + PiiScanner.Describe(found)));
    }

    public IReadOnlyList<string> ForSpans(IReadOnlyList<string> parts) => Redact(parts, out _);

    /// <summary>The parts with findings redacted; the same list when there were none.</summary>
    private IReadOnlyList<string> Redact(IReadOnlyList<string> parts, out int found)
    {
        found = 0;
        string[]? redacted = null;
        for (var i = 0; i < parts.Count; i++)
        {
            var text = PiiScanner.Redact(parts[i], _mask, out var kinds);
            if (kinds == 0) continue;
            found |= kinds;
            redacted ??= [.. parts];
            redacted[i] = text;
        }
        return redacted ?? parts;
    }
}
