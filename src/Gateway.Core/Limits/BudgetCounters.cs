using System.Collections.Concurrent;
using Gateway.Config;

namespace Gateway.Limits;

/// <summary>
/// The counters of one budget rule, one per value of its <c>budget_applies_per</c>, each the current
/// <see cref="BudgetPeriod"/>. Periods roll over at UTC boundaries: the first request of a new day (week
/// from Monday, month from the 1st) swaps in a fresh period.
/// </summary>
internal sealed class BudgetCounters(string ruleId, BudgetUnit unit)
{
    private readonly ConcurrentDictionary<string, BudgetPeriod> _periods = new(StringComparer.Ordinal);
    // With limits_store: redis, this replica's leases by key and period start: both periods of a request that
    // straddles the boundary stay reachable until the flush wrote them back.
    private readonly ConcurrentDictionary<(string Key, DateTimeOffset Start), Redis.SharedBudget> _shared = new();

    public string RuleId { get; } = ruleId;
    public BudgetUnit Unit { get; } = unit;

    public IEnumerable<KeyValuePair<string, BudgetPeriod>> Periods => _periods;

    /// <summary>The period of <paramref name="key"/> that contains <paramref name="now"/>.</summary>
    public BudgetPeriod Current(string key, DateTimeOffset now)
    {
        while (true)
        {
            var period = _periods.GetOrAdd(key, static (_, s) => s.Self.NewPeriod(s.Now), (Self: this, Now: now));
            if (now < period.End) return period;
            _periods.TryUpdate(key, NewPeriod(now), period);
        }
    }

    /// <summary>This replica's view of the counter in Redis for <paramref name="key"/> and <paramref name="period"/>.</summary>
    public Redis.SharedBudget Shared(string key, BudgetPeriod period, Redis.RedisBucketStore store) =>
        _shared.GetOrAdd((key, period.Start), static (k, s) => new Redis.SharedBudget(s.Store.BudgetKeyOf(s.RuleId, k.Key, k.Start), k.Key, k.Start, s.End),
            (Store: store, RuleId, period.End));

    public IEnumerable<Redis.SharedBudget> SharedBudgets => _shared.Values;

    /// <summary>Forgets leases of past periods once everything is written back (an hour on, so requests that straddled the end have settled).</summary>
    public void SweepShared(DateTimeOffset now)
    {
        foreach (var entry in _shared)
        {
            if (now >= entry.Value.End.AddHours(1) && entry.Value.IsClean) _shared.TryRemove(entry);
        }
    }

    /// <summary>Drops counters of past periods with nothing in flight.</summary>
    public int Sweep(DateTimeOffset now)
    {
        var removed = 0;
        foreach (var entry in _periods)
        {
            if (now >= entry.Value.End && entry.Value.ReservedNano == 0 && _periods.TryRemove(entry)) removed++;
        }
        return removed;
    }

    private BudgetPeriod NewPeriod(DateTimeOffset now)
    {
        var (start, end) = Bounds(Unit, now);
        return new BudgetPeriod(start, end);
    }

    /// <summary>The UTC period containing <paramref name="now"/>: a day, an ISO week (Monday first) or a calendar month.</summary>
    public static (DateTimeOffset Start, DateTimeOffset End) Bounds(BudgetUnit unit, DateTimeOffset now)
    {
        var day = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        return unit switch
        {
            BudgetUnit.CostPerDay => (day, day.AddDays(1)),
            BudgetUnit.CostPerWeek => (day.AddDays(-(((int)day.DayOfWeek + 6) % 7)), day.AddDays(7 - (((int)day.DayOfWeek + 6) % 7))),
            _ => (new DateTimeOffset(day.Year, day.Month, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(day.Year, day.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1)),
        };
    }
}
