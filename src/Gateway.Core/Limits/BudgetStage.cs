using Gateway.OpenAI;
using Gateway.Pipeline;
using Gateway.Streaming;
using Microsoft.Extensions.Logging;

namespace Gateway.Limits;

/// <summary>
/// The budget stage: reserves the request's maximum cost on the current period of every matching rule; the first
/// matching rule refuses it (429 <c>budget_exceeded</c>) once its spend plus what is in flight reaches the limit,
/// unless it is in audit mode. When the request ends the reservation is replaced by the real cost (the model's
/// prices, as tfy.model.metric.cost_in_usd) and alert thresholds are checked.
/// </summary>
internal sealed class BudgetStage(BudgetAlerts alerts, ILogger logger) : IRequestStage
{
    public string Name => "budget";

    public ValueTask<GatewayError?> RunAsync(RequestContext context, CancellationToken ct)
    {
        var limiter = context.Snapshot.Budgets;
        var exchange = context.Exchange;
        var rules = limiter.Match(exchange);
        if (rules.Length == 0) return ValueTask.FromResult<GatewayError?>(null);
        var now = limiter.Registry.Time.GetUtcNow();
        var reserve = limiter.MaxCostNano(exchange, context.BodyLength);
        var keys = new string[rules.Length];
        var periods = new BudgetPeriod[rules.Length];
        for (var i = 0; i < rules.Length; i++)
        {
            keys[i] = rules[i].Key.For(exchange);
            periods[i] = rules[i].Counters.Current(keys[i], now);
        }
        exchange.AppliedBudgetRuleIds = rules.Length == 1 ? rules[0].AppliedIds : rules.Select(r => r.Id).ToArray();
        exchange.Accumulator ??= new CompletionAccumulator(captureContent: false, 0);
        var lease = new BudgetLease(rules, keys, periods, reserve);
        if (limiter.Registry.Shared is { } store) return SharedAsync(context, lease, store, now);
        return ValueTask.FromResult(ReserveLocal(context, lease, now));
    }

    private static GatewayError? ReserveLocal(RequestContext context, BudgetLease lease, DateTimeOffset now)
    {
        for (var i = 0; i < lease.Rules.Length; i++)
        {
            var rule = lease.Rules[i];
            if (!lease.Periods[i].TryReserve(lease.ReservedNano, Decides(rule, i) ? rule.LimitNano : null)) return Exceeded(context, rule, lease.Periods[i], now);
        }
        context.Budget = lease;
        return null;
    }

    /// <summary>The counters in Redis; when it fails: 503 (fail-closed) or this replica's own counters (fail-open).</summary>
    private async ValueTask<GatewayError?> SharedAsync(RequestContext context, BudgetLease lease, Redis.RedisBucketStore store, DateTimeOffset now)
    {
        var redisKeys = new string[lease.Rules.Length];
        var reserved = 0;
        try
        {
            for (; reserved < lease.Rules.Length; reserved++)
            {
                var rule = lease.Rules[reserved];
                redisKeys[reserved] = store.BudgetKeyOf(rule.Id, lease.Keys[reserved], lease.Periods[reserved].Start);
                if (!await Redis.RedisBudgets.TryReserveAsync(store, redisKeys[reserved], lease.ReservedNano, Decides(rule, reserved) ? rule.LimitNano : null, lease.Periods[reserved].End).ConfigureAwait(false))
                {
                    return Exceeded(context, rule, lease.Periods[reserved], now);
                }
            }
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            LimitsLog.StoreUnavailable(logger, store.FailClosed ? "closed" : "open", e.Message);
            // Give back what this request reserved before the failure, or it would hold budget until the period ends.
            for (var i = 0; i < reserved; i++) _ = SettleSharedAsync(store, lease.Rules[i], lease.Keys[i], lease.Periods[i], redisKeys[i], lease.ReservedNano, 0);
            return store.FailClosed ? LimitErrors.StoreUnavailable() : ReserveLocal(context, lease, now);
        }
        context.Budget = lease with { RedisKeys = redisKeys };
        return null;
    }

    /// <summary>The first matching rule decides, unless it only audits.</summary>
    private static bool Decides(BudgetRule rule, int index) => index == 0 && !rule.AuditMode;

    private static GatewayError Exceeded(RequestContext context, BudgetRule rule, BudgetPeriod period, DateTimeOffset now)
    {
        context.Exchange.AppliedBudgetRuleIds = rule.AppliedIds;
        return LimitErrors.BudgetExceeded(rule.Id, rule.LimitUsd, rule.UnitName, (long)(period.End - now).TotalMilliseconds);
    }

    public void OnRequestEnd(RequestContext context)
    {
        if (context.Budget is not { } lease) return;
        context.Budget = null;
        var cost = CostNano(context);
        for (var i = 0; i < lease.Rules.Length; i++)
        {
            if (lease.RedisKeys is { } redisKeys)
            {
                // Settled before the response completes, as in memory: a client's next request must not find this
                // one's reservation still held (a false "budget exceeded"). The end hook is synchronous, so this waits,
                // at most timeout_ms (SettleSharedAsync never throws).
                var store = context.Snapshot.Budgets.Registry.Shared!;
                SettleSharedAsync(store, lease.Rules[i], lease.Keys[i], lease.Periods[i], redisKeys[i], lease.ReservedNano, cost).Wait(store.Timeout);
                continue;
            }
            var spent = lease.Periods[i].Settle(lease.ReservedNano, cost);
            alerts.Check(lease.Rules[i], lease.Keys[i], lease.Periods[i], spent);
        }
    }

    private async Task SettleSharedAsync(Redis.RedisBucketStore store, BudgetRule rule, string key, BudgetPeriod period, string redisKey, long reservedNano, long costNano)
    {
        try
        {
            var (spent, fired) = await Redis.RedisBudgets.SettleAsync(store, redisKey, reservedNano, costNano, rule.LimitNano, rule.AlertThresholds).ConfigureAwait(false);
            foreach (var threshold in fired) alerts.Fire(rule, key, period.Start, period.End, (int)threshold, spent);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            // The reservation stays in Redis until the key expires (a day after the period): the budget errs on the blocking side.
            LimitsLog.StoreUnavailable(logger, "settle", e.Message);
        }
    }

    /// <summary>
    /// The answering target's prices times the usage the answer reported (a stream's final chunk); without usage,
    /// the output events delivered and the prompt at four bytes a token. Nothing when no attempt went upstream.
    /// </summary>
    internal static long CostNano(RequestContext context)
    {
        var exchange = context.Exchange;
        if (exchange.Attempts.Count == 0 || exchange.Target is not { } target) return 0;
        var a = exchange.Accumulator;
        long? input = a?.InputTokens, output = a?.OutputTokens;
        if (input is null && output is null)
        {
            if (exchange.TokenEvents == 0) return 0;
            input = context.BodyLength / 4;
            output = exchange.TokenEvents;
        }
        return target.Cost(input, output) is { } usd ? (long)Math.Round(usd * 1e9) : 0;
    }
}
