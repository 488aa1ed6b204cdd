using System.Text.RegularExpressions;

namespace Gateway.Guardrails;

/// <summary>
/// How deny-list patterns are compiled, the same for the config check and at run time. Non-backtracking: a
/// pattern from the config runs on every prompt, so its cost must be linear in the text whatever it says
/// (no catastrophic backtracking); lookarounds and backreferences are refused when the config loads.
/// </summary>
internal static class DenyListPatterns
{
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(250);

    public static Regex Compile(string pattern, bool caseSensitive) =>
        new(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant | (caseSensitive ? RegexOptions.None : RegexOptions.IgnoreCase), MatchTimeout);
}
