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
    private readonly ITimer? _leases;

    /// <param name="store">The <c>limits_store</c> the gateway started with (a reload does not change it).</param>
    public RateLimitRegistry(TimeProvider time, LimitsStoreConfig? store = null)
    {
        _time = time;
        _epoch = time.GetTimestamp();
        _sweep = time.CreateTimer(static s => ((RateLimitRegistry)s!).Sweep(), this, SweepInterval, SweepInterval);
        if (store is { Type: LimitsStoreType.Redis })
        {
            Shared = new Redis.RedisBucketStore(store);
            _leases = time.CreateTimer(static s => ((RateLimitRegistry)s!).ReturnIdleLeases(), this, LeaseIdle, LeaseIdle);
        }
    }

    /// <summary>A lease unused this long goes back to Redis for other replicas.</summary>
    public static readonly TimeSpan LeaseIdle = TimeSpan.FromSeconds(1);

    /// <summary>Redis, when <c>limits_store.type</c> is redis; null in memory mode.</summary>
    public Redis.RedisBucketStore? Shared { get; }

    /// <summary>Milliseconds on the buckets' clock (since the registry started).</summary>
    public long NowMs => (long)_time.GetElapsedTime(_epoch).TotalMilliseconds;

    /// <summary>The wall-clock time <paramref name="ms"/> from now (reset times in the usage API).</summary>
    public DateTimeOffset UtcIn(long ms) => _time.GetUtcNow().AddMilliseconds(ms);

    public RuleBuckets For(RateLimitRuleConfig rule) =>
        _rules.AddOrUpdate(rule.Id,
            static (id, s) => new RuleBuckets(id, s.Rule.LimitTo, s.Rule.PeriodMs, s.Store),
            static (id, existing, s) => existing.Limit == s.Rule.LimitTo && existing.PeriodMs == s.Rule.PeriodMs ? existing : new RuleBuckets(id, s.Rule.LimitTo, s.Rule.PeriodMs, s.Store),
            (Rule: rule, Store: Shared));

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

    private void ReturnIdleLeases()
    {
        var now = NowMs;
        foreach (var rule in _rules.Values) rule.Shared?.ReturnIdleLeases(now, (long)LeaseIdle.TotalMilliseconds);
    }

    public void Dispose()
    {
        _sweep.Dispose();
        _leases?.Dispose();
        Shared?.Dispose();
    }
}
