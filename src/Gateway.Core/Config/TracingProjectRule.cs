namespace Gateway.Config;

/// <summary>
/// <c>when: {subjects, models, metadata}</c>: a request matches when every condition given matches;
/// within a list any entry may match. At least one condition is required.
/// </summary>
internal sealed class TracingProjectRule
{
    /// <summary><c>user:…</c>, <c>virtualaccount:…</c> or <c>team:…</c> (matches members of the team).</summary>
    public IReadOnlyList<string> Subjects { get; init; } = [];
    /// <summary>Model names as requested; a trailing <c>*</c> matches a prefix (<c>openai-main/*</c>).</summary>
    public IReadOnlyList<string> Models { get; init; } = [];
    /// <summary>x-tfy-metadata entries that must all be present with these values.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
    /// <summary>Where the rule was written (<c>file:line</c>), for logs and errors.</summary>
    public string Source { get; init; } = "";
}
