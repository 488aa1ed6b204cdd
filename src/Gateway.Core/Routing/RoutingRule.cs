using System.Collections.Frozen;
using Gateway.Auth;
using Gateway.Config;

namespace Gateway.Routing;

/// <summary>
/// A compiled <c>routing.rules</c> entry. <see cref="Matches"/> runs on every request for every rule
/// before the first match, so it compares prepared values and allocates nothing.
/// </summary>
internal sealed class RoutingRule
{
    private readonly (string Type, string Value)[] _subjects;
    private readonly FrozenSet<string>? _models;
    private readonly KeyValuePair<string, string>[] _metadata;

    public RoutingRule(RoutingRuleConfig config, LoadBalancer balancer)
    {
        Id = config.Id;
        AppliedIds = [config.Id];
        Balancer = balancer;
        _subjects = config.When.Subjects.Select(s =>
        {
            var colon = s.IndexOf(':');
            return (s[..colon], s[(colon + 1)..]);
        }).ToArray();
        _models = config.When.Models.Count == 0 ? null : config.When.Models.ToFrozenSet(StringComparer.Ordinal);
        _metadata = config.When.Metadata.ToArray();
        var shared = ModelTypes.Chat | ModelTypes.Completion | ModelTypes.Embedding;
        foreach (var t in balancer.Targets) shared &= t.Step.Target.Model.Types;
        Types = shared;
    }

    public string Id { get; }
    /// <summary><c>[Id]</c>, built once for <see cref="RoutePlan.AppliedRuleIds"/>.</summary>
    public IReadOnlyList<string> AppliedIds { get; }
    public LoadBalancer Balancer { get; }
    /// <summary>The request types every target serves.</summary>
    public ModelTypes Types { get; }

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
