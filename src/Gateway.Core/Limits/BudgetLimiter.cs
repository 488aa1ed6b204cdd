using Gateway.Config;
using Gateway.Proxy;
using Gateway.Routing;

namespace Gateway.Limits;

/// <summary>
/// The <c>budget_limiting</c> rules of one config snapshot, compiled; their counters live in <see cref="BudgetRegistry"/>.
/// A request's maximum cost is priced before routing: a provider model's own prices when no routing rule can
/// send it elsewhere, otherwise the highest prices of any model (an upper bound either way).
/// </summary>
internal sealed class BudgetLimiter
{
    private readonly BudgetRule[] _rules;
    private readonly RoutingTable _routing;
    private readonly double _maxInput;
    private readonly double _maxOutput;

    public BudgetLimiter(BudgetLimitingConfig config, BudgetRegistry registry, RoutingTable routing)
    {
        Registry = registry;
        OutputTokenEstimate = config.OutputTokenEstimate;
        _routing = routing;
        _rules = config.Rules.Select(r => new BudgetRule(r, registry.For(r))).ToArray();
        foreach (var target in routing.Catalog.All)
        {
            _maxInput = Math.Max(_maxInput, target.Model.InputPricePerMillion ?? 0);
            _maxOutput = Math.Max(_maxOutput, target.Model.OutputPricePerMillion ?? 0);
        }
    }

    public BudgetRegistry Registry { get; }
    public long OutputTokenEstimate { get; }
    public IReadOnlyList<BudgetRule> Rules => _rules;
    public bool IsEmpty => _rules.Length == 0;

    /// <summary>Every matching rule, in config order: the first decides, cost counts against all (reference 1.3).</summary>
    public BudgetRule[] Match(Exchange exchange)
    {
        List<BudgetRule>? matched = null;
        foreach (var rule in _rules)
        {
            if (rule.When.Matches(exchange.Subject, exchange.Head.Model ?? "", exchange.Metadata)) (matched ??= []).Add(rule);
        }
        return matched is null ? [] : [.. matched];
    }

    /// <summary>
    /// The most the request can cost, in nano-USD: every byte of the body a prompt token (byte-level tokenizers
    /// never produce more tokens than bytes) and max_tokens (else the estimate) of output.
    /// </summary>
    public long MaxCostNano(Exchange exchange, int bodyLength)
    {
        var (input, output) = _routing.Rules.Count == 0 && _routing.Catalog.TryGet(exchange.Head.Model ?? "", out var target)
            ? (target.Model.InputPricePerMillion ?? 0, target.Model.OutputPricePerMillion ?? 0)
            : (_maxInput, _maxOutput);
        // USD per million tokens = 1,000 nano-USD per token.
        return (long)Math.Ceiling(bodyLength * input * 1000 + (exchange.Head.MaxTokens ?? OutputTokenEstimate) * output * 1000);
    }
}
