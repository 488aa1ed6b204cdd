using System.Text.RegularExpressions;

namespace Gateway.Guardrails;

/// <summary>
/// The phrases of known prompt-injection attacks, each with a weight (docs/guardrails.md lists them). A text's
/// score is the sum of the weights of the patterns it matches, each counted once; the guardrail compares it with
/// its <c>threshold</c> (default 0.5, so one strong phrase is enough and one weak phrase, like "you are now a",
/// is not). Source-generated regexes: no runtime compilation, no allocation per match.
/// </summary>
internal static partial class PromptInjectionPatterns
{
    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;

    public static readonly (Regex Pattern, double Weight, string Name)[] All =
    [
        (IgnorePrevious(), 1.0, "ignore previous instructions"),
        (IgnoreAbove(), 0.8, "ignore the above"),
        (RevealPrompt(), 0.9, "reveal the system prompt"),
        (BypassSafety(), 0.9, "bypass safety rules"),
        (DoAnythingNow(), 0.8, "do anything now"),
        (SpecialMode(), 0.7, "developer or jailbreak mode"),
        (ChatMarkup(), 0.7, "chat template markup"),
        (NewInstructions(), 0.6, "new instructions"),
        (HideFromUser(), 0.6, "hide from the user"),
        (YouAreNow(), 0.4, "you are now"),
        (Pretend(), 0.3, "pretend to be"),
        (SystemPrompt(), 0.3, "mentions the system prompt"),
    ];

    /// <summary>The summed weights of the patterns <paramref name="text"/> matches.</summary>
    public static double Score(ReadOnlySpan<char> text, ref int matched)
    {
        var score = 0.0;
        for (var i = 0; i < All.Length; i++)
        {
            if ((matched & (1 << i)) != 0 || !All[i].Pattern.IsMatch(text)) continue;
            matched |= 1 << i;
            score += All[i].Weight;
        }
        return score;
    }

    [GeneratedRegex(@"\b(ignore|disregard|forget|skip|override)\s+(all\s+|any\s+|the\s+|your\s+|my\s+|of\s+)*(previous|prior|above|earlier|preceding|initial|original|system)\s+(instructions?|prompts?|rules|directions|messages|context|guidelines)\b", Options)]
    private static partial Regex IgnorePrevious();

    [GeneratedRegex(@"\b(ignore|disregard)\s+(the\s+above|everything\s+(above|before))\b", Options)]
    private static partial Regex IgnoreAbove();

    [GeneratedRegex(@"\b(reveal|show|print|repeat|output|leak)\s+(me\s+)?(your|the)\s+(system\s+prompt|hidden\s+instructions|initial\s+instructions|instructions)\b", Options)]
    private static partial Regex RevealPrompt();

    [GeneratedRegex(@"\b(bypass|disable|ignore|turn\s+off)\s+(your\s+|the\s+|all\s+)?(safety|content|security)\s+(filters?|guidelines|policies|rules|restrictions)\b", Options)]
    private static partial Regex BypassSafety();

    [GeneratedRegex(@"\bdo\s+anything\s+now\b", Options)]
    private static partial Regex DoAnythingNow();

    [GeneratedRegex(@"\b(developer|god|jailbreak|DAN)\s+mode\b", Options)]
    private static partial Regex SpecialMode();

    [GeneratedRegex(@"<\|im_start\|>|<\|system\|>|\[INST\]|</?system>|<<SYS>>", Options)]
    private static partial Regex ChatMarkup();

    [GeneratedRegex(@"\bnew\s+(system\s+)?instructions\s*:", Options)]
    private static partial Regex NewInstructions();

    [GeneratedRegex(@"\bdo\s+not\s+(tell|inform|let)\s+the\s+user\b", Options)]
    private static partial Regex HideFromUser();

    [GeneratedRegex(@"\byou\s+are\s+now\s+(a|an|in|the)\b", Options)]
    private static partial Regex YouAreNow();

    [GeneratedRegex(@"\bpretend\s+(to\s+be|you\s+are)\b", Options)]
    private static partial Regex Pretend();

    [GeneratedRegex(@"\bsystem\s+prompt\b", Options)]
    private static partial Regex SystemPrompt();
}
