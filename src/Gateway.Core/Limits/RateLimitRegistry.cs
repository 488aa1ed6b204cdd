using System.Collections.Concurrent;
using Gateway.Config;

namespace Gateway.Limits;

/// <summary>
/// Token buckets outside the config snapshot, by rule id (DESIGN.md, registries): a reload keeps a rule's
/// buckets when its id, limit and unit are unchanged (issue #12 item 7); a changed limit or unit starts
/// the rule afresh. A timer sweeps idle buckets once a minute.
/// </summary>
internal sealed class RateLimitRegistry : IDisposable
{
    public static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, RuleBuckets> _rules = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly long _epoch;
    private readonly ITimer _sweep;

    public RateLimitRegistry(TimeProvider time)
    {
        _time = time;
        _epoch = time.GetTimestamp();
        _sweep = time.CreateTimer(static s => ((RateLimitRegistry)s!).Sweep(), this, SweepInterval, SweepInterval);
    }

    /// <summary>Milliseconds on the buckets' clock (since the registry started).</summary>
    public long NowMs => (long)_time.GetElapsedTime(_epoch).TotalMilliseconds;

    /// <summary>The wall-clock time <paramref name="ms"/> from now (reset times in the usage API).</summary>
    public DateTimeOffset UtcIn(long ms) => _time.GetUtcNow().AddMilliseconds(ms);

    public RuleBuckets For(RateLimitRuleConfig rule) =>
        _rules.AddOrUpdate(rule.Id,
            static (id, r) => new RuleBuckets(id, r.LimitTo, r.PeriodMs),
            static (id, existing, r) => existing.Limit == r.LimitTo && existing.PeriodMs == r.PeriodMs ? existing : new RuleBuckets(id, r.LimitTo, r.PeriodMs),
            rule);

    /// <summary>The rules' bucket sets, by rule id.</summary>
    public IEnumerable<RuleBuckets> Rules => _rules.Values;

    /// <summary>Forgets the rules a reload removed.</summary>
    public void Retain(IReadOnlySet<string> ids)
    {
        foreach (var id in _rules.Keys)
        {
            if (!ids.Contains(id)) _rules.TryRemove(id, out _);
        }
    }

    public int Sweep()
    {
        var now = NowMs;
        var removed = 0;
        foreach (var rule in _rules.Values) removed += rule.Sweep(now);
        return removed;
    }

    public void Dispose() => _sweep.Dispose();
}
