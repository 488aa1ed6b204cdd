using System.Collections.Concurrent;
using Gateway.Config;

namespace Gateway.Limits;

/// <summary>
/// Budget counters outside the config snapshot, by rule id: a reload keeps a rule's spend while its id and
/// unit are unchanged (a new <c>limit_to</c> applies to what was already spent). Past periods are swept hourly.
/// </summary>
internal sealed class BudgetRegistry : IDisposable
{
    public static readonly TimeSpan SweepInterval = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, BudgetCounters> _rules = new(StringComparer.Ordinal);
    private readonly ITimer _sweep;

    /// <param name="shared">Redis, when <c>limits_store.type</c> is redis (the rate limits' connection).</param>
    public BudgetRegistry(TimeProvider time, Redis.RedisBucketStore? shared = null)
    {
        Time = time;
        Shared = shared;
        _sweep = time.CreateTimer(static s => ((BudgetRegistry)s!).Sweep(), this, SweepInterval, SweepInterval);
    }

    public TimeProvider Time { get; }

    /// <summary>Redis holds the counters; the local ones are the fail-open fallback. Null in memory mode.</summary>
    public Redis.RedisBucketStore? Shared { get; }

    public IEnumerable<BudgetCounters> Rules => _rules.Values;

    public BudgetCounters For(BudgetRuleConfig rule) =>
        _rules.AddOrUpdate(rule.Id,
            static (id, r) => new BudgetCounters(id, r.Unit),
            static (id, existing, r) => existing.Unit == r.Unit ? existing : new BudgetCounters(id, r.Unit),
            rule);

    public void Retain(IReadOnlySet<string> ids)
    {
        foreach (var id in _rules.Keys)
        {
            if (!ids.Contains(id)) _rules.TryRemove(id, out _);
        }
    }

    public int Sweep()
    {
        var now = Time.GetUtcNow();
        var removed = 0;
        foreach (var rule in _rules.Values) removed += rule.Sweep(now);
        return removed;
    }

    public void Dispose() => _sweep.Dispose();
}
