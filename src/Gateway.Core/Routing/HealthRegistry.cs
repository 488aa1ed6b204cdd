using System.Collections.Concurrent;
using Gateway.Config;

namespace Gateway.Routing;

/// <summary>
/// Target health outside any config snapshot (DESIGN.md, "Registries"): one <see cref="TargetHealth"/>
/// per provider model id, kept across reloads while the target and its health options stay, so a
/// reload does not forget that a target is down or how fast it answers.
/// </summary>
internal sealed class HealthRegistry(TimeProvider time)
{
    /// <summary>The clock of cool-downs and latency staleness.</summary>
    public TimeProvider Time => time;

    private readonly ConcurrentDictionary<string, TargetHealth> _health = new(StringComparer.Ordinal);

    public TargetHealth Get(string targetId, HealthOptions options)
    {
        if (_health.TryGetValue(targetId, out var existing) && existing.Options.Equals(options)) return existing;
        var created = new TargetHealth(options, time);
        _health[targetId] = created;
        return created;
    }

    /// <summary>Forgets targets the live config no longer has.</summary>
    public void Retain(IReadOnlySet<string> targetIds)
    {
        foreach (var id in _health.Keys)
        {
            if (!targetIds.Contains(id)) _health.TryRemove(id, out _);
        }
    }

    public int Count => _health.Count;
}
