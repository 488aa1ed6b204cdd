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

    /// <summary>Where alerts go; the registry's flush of Redis leases fires them too.</summary>
    public BudgetAlerts Alerts => alerts;

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

    /// <summary>
    /// The counters in Redis, through this replica's leases: the deciding rule admits from its lease (no Redis call) or
    /// refills it; the others only record. When Redis fails: 503 (fail-closed) or this replica's own counters (fail-open).
    /// </summary>
    private ValueTask<GatewayError?> SharedAsync(RequestContext context, BudgetLease lease, Redis.RedisBucketStore store, DateTimeOffset now)
    {
        var registry = context.Snapshot.Budgets.Registry;
        var shared = new Redis.SharedBudget[lease.Rules.Length];
        for (var i = 0; i < shared.Length; i++)
        {
            shared[i] = lease.Rules[i].Counters.Shared(lease.Keys[i], lease.Periods[i], store);
            shared[i].Touch(lease.Rules[i], registry.NowMs);
        }
        var rule = lease.Rules[0];
        if (!Decides(rule, 0))
        {
            context.Budget = lease with { Shared = shared };
            return ValueTask.FromResult<GatewayError?>(null);
        }
        var slice = Slice(rule, store);
        var mode = Redis.SharedBudget.IsDirect(lease.ReservedNano, slice) ? Redis.BudgetSettleMode.Direct : Redis.BudgetSettleMode.Leased;
        var reserve = shared[0].TryReserveAsync(store, alerts, rule, lease.ReservedNano, slice, registry.NowMs);
        if (reserve.IsCompletedSuccessfully) return ValueTask.FromResult(Admit(context, lease, shared, mode, reserve.Result, now));
        return AwaitAsync(context, lease, shared, mode, reserve, store, now);
    }

    private async ValueTask<GatewayError?> AwaitAsync(RequestContext context, BudgetLease lease, Redis.SharedBudget[] shared, Redis.BudgetSettleMode mode, ValueTask<bool> reserve,
        Redis.RedisBucketStore store, DateTimeOffset now)
    {
        bool admitted;
        try
        {
            admitted = await reserve.ConfigureAwait(false);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            store.CountFailMode();
            var last = Interlocked.Read(ref _lastLogged);
            if (Environment.TickCount64 - last >= 1000 && Interlocked.CompareExchange(ref _lastLogged, Environment.TickCount64, last) == last)
            {
                LimitsLog.StoreUnavailable(logger, store.FailClosed ? "closed" : "open", e.Message);
            }
            return store.FailClosed ? LimitErrors.StoreUnavailable() : ReserveLocal(context, lease, now);
        }
        return Admit(context, lease, shared, mode, admitted, now);
    }

    private static GatewayError? Admit(RequestContext context, BudgetLease lease, Redis.SharedBudget[] shared, Redis.BudgetSettleMode mode, bool admitted, DateTimeOffset now)
    {
        if (!admitted) return Exceeded(context, lease.Rules[0], lease.Periods[0], now);
        context.Budget = lease with { Shared = shared, Mode = mode };
        return null;
    }

    /// <summary>A replica's lease slice: <c>lease_percent</c> of the limit, at least one nano-USD.</summary>
    private static long Slice(BudgetRule rule, Redis.RedisBucketStore store) => Math.Max(1, rule.LimitNano / 100 * store.LeasePercent);

    private long _lastLogged = long.MinValue / 2;

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
            if (lease.Shared is { } shared)
            {
                var store = context.Snapshot.Budgets.Registry.Shared!;
                var mode = i == 0 ? lease.Mode : Redis.BudgetSettleMode.Recorded;
                if (!shared[i].Settle(mode, lease.ReservedNano, cost, Slice(lease.Rules[i], store))) continue;
                var flush = shared[i].FlushAsync(store, alerts, context.Snapshot.Budgets.Registry.NowMs, long.MaxValue, logger);
                // A direct reservation (more than a slice) is released before the response completes, as in memory: a
                // client's next request, on any replica, must not find it still held (a false "budget exceeded"). The
                // runner awaits it, at most twice timeout_ms (FlushAsync never throws); no thread blocks on it. A lease
                // above a slice gives the rest back without waiting.
                if (mode == Redis.BudgetSettleMode.Direct) context.FinishBeforeResponse(WithinAsync(flush, store.Timeout * 2));
                continue;
            }
            var spent = lease.Periods[i].Settle(lease.ReservedNano, cost);
            alerts.Check(lease.Rules[i], lease.Keys[i], lease.Periods[i], spent);
        }
    }

    private static async Task WithinAsync(Task flush, TimeSpan timeout)
    {
        try
        {
            await flush.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Still pending: the next flush writes it back.
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
