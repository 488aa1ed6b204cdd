using System.Collections.Frozen;
using Gateway.Auth;
using Gateway.Config;

namespace Gateway.Routing;

/// <summary>
/// A compiled <c>when</c> (routing, rate limit and budget rules): subjects AND models AND metadata.
/// <see cref="Matches"/> runs on every request for every rule before the first match, so it compares
/// prepared values and allocates nothing.
/// </summary>
internal sealed class RuleMatcher
{
    private readonly (string Type, string Value)[] _subjects;
    private readonly FrozenSet<string>? _models;
    private readonly KeyValuePair<string, string>[] _metadata;

    public RuleMatcher(RuleCondition when)
    {
        _subjects = when.Subjects.Select(s =>
        {
            var colon = s.IndexOf(':');
            return (s[..colon], s[(colon + 1)..]);
        }).ToArray();
        _models = when.Models.Count == 0 ? null : when.Models.ToFrozenSet(StringComparer.Ordinal);
        _metadata = when.Metadata.ToArray();
    }

    public bool Matches(Subject subject, string model, IReadOnlyDictionary<string, string> metadata)
    {
        if (_models is not null && !_models.Contains(model)) return false;
        foreach (var (key, value) in _metadata)
        {
            if (!metadata.TryGetValue(key, out var actual) || !string.Equals(actual, value, StringComparison.Ordinal)) return false;
        }
        if (_subjects.Length == 0) return true;
        foreach (var (type, value) in _subjects)
        {
            if (type == "team")
            {
                foreach (var team in subject.Teams)
                {
                    if (string.Equals(team, value, StringComparison.Ordinal)) return true;
                }
            }
            else if (string.Equals(type, subject.Type, StringComparison.Ordinal) && string.Equals(value, subject.Slug, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }
}
