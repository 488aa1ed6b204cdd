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
    // Counters a reload removed (or replaced with a new unit), by when: with Redis, their leases and pending spend are
    // still written back, including what requests in flight at the reload settle afterwards, for an hour.
    private readonly ConcurrentDictionary<BudgetCounters, long> _retired = new();
    private readonly ITimer _sweep;
    private readonly ITimer? _flush;
    private readonly long _epoch;
    private BudgetAlerts? _alerts;
    private Microsoft.Extensions.Logging.ILogger? _logger;

    /// <param name="shared">Redis, when <c>limits_store.type</c> is redis (the rate limits' connection).</param>
    public BudgetRegistry(TimeProvider time, Redis.RedisBucketStore? shared = null)
    {
        Time = time;
        Shared = shared;
        _epoch = time.GetTimestamp();
        _sweep = time.CreateTimer(static s => ((BudgetRegistry)s!).Sweep(), this, SweepInterval, SweepInterval);
        if (shared is not null) _flush = time.CreateTimer(static s => ((BudgetRegistry)s!).Flush(), this, FlushInterval, FlushInterval);
    }

    /// <summary>
    /// How often leased spend is written back to Redis, and how long a lease may sit unused before it goes back: alerts
    /// and the usage API lag by up to this much; other replicas may find budget held in an idle lease for as long.
    /// </summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    public TimeProvider Time { get; }

    /// <summary>Milliseconds since the registry started (when a lease was last used).</summary>
    public long NowMs => (long)Time.GetElapsedTime(_epoch).TotalMilliseconds;

    /// <summary>Where the flush sends the alerts it fires (the budget stage's); until attached, nothing is flushed.</summary>
    public void Attach(BudgetAlerts alerts, Microsoft.Extensions.Logging.ILogger logger)
    {
        _logger = logger;
        _alerts = alerts;
    }

    /// <summary>Writes every lease's pending spend and releases back to Redis, and returns idle leases.</summary>
    public Task FlushAsync()
    {
        if (Shared is not { } store || _alerts is not { } alerts || _logger is not { } logger) return Task.CompletedTask;
        var now = NowMs;
        var flushes = new List<Task>();
        foreach (var rule in _rules.Values.Concat(_retired.Keys))
        {
            foreach (var budget in rule.SharedBudgets) flushes.Add(budget.FlushAsync(store, alerts, now, (long)FlushInterval.TotalMilliseconds, logger));
            rule.SweepShared(Time.GetUtcNow());
        }
        foreach (var (rule, since) in _retired)
        {
            if (now - since > RetiredFor.TotalMilliseconds && rule.SharedBudgets.All(b => b.IsClean)) _retired.TryRemove(rule, out _);
        }
        return Task.WhenAll(flushes);
    }

    private void Flush() => _ = FlushAsync();

    /// <summary>Redis holds the counters; the local ones are the fail-open fallback. Null in memory mode.</summary>
    public Redis.RedisBucketStore? Shared { get; }

    public IEnumerable<BudgetCounters> Rules => _rules.Values;

    public BudgetCounters For(BudgetRuleConfig rule)
    {
        _rules.TryGetValue(rule.Id, out var before);
        var counters = _rules.AddOrUpdate(rule.Id,
            static (id, r) => new BudgetCounters(id, r.Unit),
            static (id, existing, r) => existing.Unit == r.Unit ? existing : new BudgetCounters(id, r.Unit),
            rule);
        // A new unit starts the rule afresh: the old counters' leases go back as for a removed rule.
        if (before is not null && !ReferenceEquals(before, counters)) FlushRemoved(before);
        return counters;
    }

    public void Retain(IReadOnlySet<string> ids)
    {
        foreach (var id in _rules.Keys)
        {
            if (!ids.Contains(id) && _rules.TryRemove(id, out var removed)) FlushRemoved(removed);
        }
    }

    /// <summary>How long the flush keeps writing back a removed rule's counters (requests in flight at the reload settle on them).</summary>
    public static readonly TimeSpan RetiredFor = TimeSpan.FromHours(1);

    /// <summary>A removed rule's leases go back to Redis and its pending spend is written at once, off the reload's path, then by the flush.</summary>
    private void FlushRemoved(BudgetCounters removed)
    {
        if (Shared is not { } store || _alerts is not { } alerts || _logger is not { } logger) return;
        _retired[removed] = NowMs;
        foreach (var budget in removed.SharedBudgets) _ = budget.FlushAsync(store, alerts, NowMs, idleMs: 0, logger);
    }

    public int Sweep()
    {
        var now = Time.GetUtcNow();
        var removed = 0;
        foreach (var rule in _rules.Values) removed += rule.Sweep(now);
        return removed;
    }

    public void Dispose()
    {
        _sweep.Dispose();
        _flush?.Dispose();
    }
}
