using Gateway.Config;
using Gateway.Limits;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Limits;

public sealed class BudgetCountersTests
{
    private static readonly DateTimeOffset Wednesday = new(2026, 12, 2, 23, 59, 59, TimeSpan.Zero);

    [Theory]
    [InlineData("cost_per_day", "2026-12-02", "2026-12-03")]
    [InlineData("cost_per_week", "2026-11-30", "2026-12-07")]
    [InlineData("cost_per_month", "2026-12-01", "2027-01-01")]
    public void Periods_are_utc_days_iso_weeks_and_calendar_months(string unitName, string start, string end)
    {
        var unit = unitName switch { "cost_per_day" => BudgetUnit.CostPerDay, "cost_per_week" => BudgetUnit.CostPerWeek, _ => BudgetUnit.CostPerMonth };
        var (s, e) = BudgetCounters.Bounds(unit, Wednesday.ToOffset(TimeSpan.FromHours(-8)));

        Assert.Equal(DateTimeOffset.Parse(start + "T00:00:00Z"), s);
        Assert.Equal(DateTimeOffset.Parse(end + "T00:00:00Z"), e);
    }

    [Fact]
    public void A_sunday_belongs_to_the_week_that_started_on_monday()
    {
        var (s, _) = BudgetCounters.Bounds(BudgetUnit.CostPerWeek, new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero), s);
    }

    [Fact]
    public void The_period_rolls_over_at_utc_midnight_and_spend_starts_again()
    {
        var time = new FakeTimeProvider(Wednesday);
        var counters = new BudgetCounters("r", BudgetUnit.CostPerDay);
        var today = counters.Current("", time.GetUtcNow());
        Assert.True(today.TryReserve(10, limitNano: 100));
        today.Settle(10, 100);
        Assert.False(counters.Current("", time.GetUtcNow()).TryReserve(1, 100));

        time.Advance(TimeSpan.FromSeconds(1));
        var tomorrow = counters.Current("", time.GetUtcNow());

        Assert.NotSame(today, tomorrow);
        Assert.Equal(0, tomorrow.SpentNano);
        Assert.True(tomorrow.TryReserve(1, 100));
        // A request that reserved yesterday settles on yesterday's counter.
        Assert.Equal(100, today.SpentNano);
    }

    [Fact]
    public void Admission_counts_what_is_in_flight_and_settlement_replaces_the_reservation()
    {
        var period = new BudgetPeriod(Wednesday, Wednesday.AddDays(1));

        Assert.True(period.TryReserve(60, 100));
        Assert.True(period.TryReserve(60, 100));
        // 120 in flight: nothing more until they settle.
        Assert.False(period.TryReserve(1, 100));
        Assert.True(period.TryReserve(1_000, null));
        period.Settle(60, 5);
        period.Settle(1_000, 0);

        Assert.Equal(5, period.SpentNano);
        Assert.Equal(60, period.ReservedNano);
        Assert.True(period.TryReserve(30, 100));
    }

    [Fact]
    public void A_threshold_fires_once_per_period()
    {
        var period = new BudgetPeriod(Wednesday, Wednesday.AddDays(1));

        Assert.True(period.TryFire(0));
        Assert.False(period.TryFire(0));
        Assert.True(period.TryFire(3));
        Assert.True(new BudgetPeriod(Wednesday.AddDays(1), Wednesday.AddDays(2)).TryFire(0));
    }

    [Fact]
    public void The_sweep_drops_past_periods_with_nothing_in_flight()
    {
        var time = new FakeTimeProvider(Wednesday);
        var counters = new BudgetCounters("r", BudgetUnit.CostPerDay);
        counters.Current("idle", time.GetUtcNow());
        counters.Current("busy", time.GetUtcNow()).TryReserve(5, null);
        time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(1, counters.Sweep(time.GetUtcNow()));
        Assert.Equal(["busy"], counters.Periods.Select(p => p.Key));
    }
}
