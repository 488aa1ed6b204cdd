using System.Diagnostics;
using System.Text.RegularExpressions;
using Gateway.Config;

namespace Gateway.Guardrails;

/// <summary>
/// <c>type: deny_list</c>: keywords (whole words, case-insensitive unless <c>case_sensitive</c>) and regular
/// expressions (<see cref="DenyListPatterns"/>). The reason names the entry by position, not the text it matched.
/// </summary>
internal sealed class DenyListGuardrail : IGuardrail
{
    private readonly string[] _keywords;
    private readonly Regex[] _patterns;
    private readonly StringComparison _comparison;

    public DenyListGuardrail(GuardrailConfig config)
    {
        Config = config;
        _keywords = [.. config.Keywords ?? []];
        _patterns = [.. (config.Patterns ?? []).Select(p => DenyListPatterns.Compile(p, config.CaseSensitive))];
        _comparison = config.CaseSensitive ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
    }

    public GuardrailConfig Config { get; }

    public ValueTask<GuardrailVerdict> CheckAsync(GuardrailCheck check, Activity? span, CancellationToken ct)
    {
        foreach (var part in check.Parts)
        {
            for (var k = 0; k < _keywords.Length; k++)
            {
                if (ContainsWord(part, _keywords[k], _comparison)) return Result($"matched deny-list keyword {k + 1}");
            }
            for (var p = 0; p < _patterns.Length; p++)
            {
                try
                {
                    if (_patterns[p].IsMatch(part)) return Result($"matched deny-list pattern {p + 1}");
                }
                catch (RegexMatchTimeoutException)
                {
                    return Result($"deny-list pattern {p + 1} timed out", error: true);
                }
            }
        }
        return ValueTask.FromResult(GuardrailVerdict.Pass);
    }

    private static ValueTask<GuardrailVerdict> Result(string reason, bool error = false) =>
        ValueTask.FromResult(error ? GuardrailVerdict.Error(reason) : GuardrailVerdict.Violation(reason));

    /// <summary>Whole words only: "class" does not match "classified".</summary>
    internal static bool ContainsWord(ReadOnlySpan<char> text, ReadOnlySpan<char> word, StringComparison comparison)
    {
        var offset = 0;
        while (offset < text.Length)
        {
            var found = text[offset..].IndexOf(word, comparison);
            if (found < 0) return false;
            var start = offset + found;
            var end = start + word.Length;
            var startsWord = start == 0 || !char.IsLetterOrDigit(text[start - 1]) || !char.IsLetterOrDigit(word[0]);
            var endsWord = end == text.Length || !char.IsLetterOrDigit(text[end]) || !char.IsLetterOrDigit(word[^1]);
            if (startsWord && endsWord) return true;
            offset = start + 1;
        }
        return false;
    }
}
