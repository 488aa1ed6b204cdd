using Gateway.OpenAI;
using Gateway.Pipeline;
using Gateway.Streaming;

namespace Gateway.Limits;

/// <summary>
/// The budget stage: reserves the request's maximum cost on the current period of every matching rule; the first
/// matching rule refuses it (429 <c>budget_exceeded</c>) once its spend plus what is in flight reaches the limit,
/// unless it is in audit mode. When the request ends the reservation is replaced by the real cost (the model's
/// prices, as tfy.model.metric.cost_in_usd) and alert thresholds are checked.
/// </summary>
internal sealed class BudgetStage(BudgetAlerts alerts) : IRequestStage
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
            var rule = rules[i];
            keys[i] = rule.Key.For(exchange);
            periods[i] = rule.Counters.Current(keys[i], now);
            var decides = i == 0 && !rule.AuditMode;
            if (!periods[i].TryReserve(reserve, decides ? rule.LimitNano : null))
            {
                exchange.AppliedBudgetRuleIds = rule.AppliedIds;
                return ValueTask.FromResult<GatewayError?>(LimitErrors.BudgetExceeded(rule.Id, rule.LimitUsd, rule.UnitName, (long)(periods[i].End - now).TotalMilliseconds));
            }
        }
        exchange.AppliedBudgetRuleIds = rules.Length == 1 ? rules[0].AppliedIds : rules.Select(r => r.Id).ToArray();
        exchange.Accumulator ??= new CompletionAccumulator(captureContent: false, 0);
        context.Budget = new BudgetLease(rules, keys, periods, reserve);
        return ValueTask.FromResult<GatewayError?>(null);
    }

    public void OnRequestEnd(RequestContext context)
    {
        if (context.Budget is not { } lease) return;
        context.Budget = null;
        var cost = CostNano(context);
        for (var i = 0; i < lease.Rules.Length; i++)
        {
            var spent = lease.Periods[i].Settle(lease.ReservedNano, cost);
            alerts.Check(lease.Rules[i], lease.Keys[i], lease.Periods[i], spent);
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
