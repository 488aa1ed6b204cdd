using System.Diagnostics;
using System.Globalization;
using Gateway.Proxy;

namespace Gateway.Metrics;

/// <summary>
/// Counts requests, upstream attempts and fallbacks, and passes every event on to the tracing listener
/// (which records the GenAI histograms and spans). A decorator, so the proxy keeps one listener seam.
/// </summary>
internal sealed class MetricsListener(GatewayMetrics metrics, IExchangeListener? inner) : IExchangeListener
{
    public bool WantsResponseDetails => inner?.WantsResponseDetails ?? false;

    public void OnStart(Exchange exchange) => inner?.OnStart(exchange);

    public void OnAttemptStart(Exchange exchange, Attempt attempt, HttpRequestMessage request)
    {
        // The first try of any step after the plan's first is a fallback.
        if (attempt.Retry == 0 && exchange.Plan is { } plan && !ReferenceEquals(attempt.Step, plan.Steps[0]))
        {
            metrics.Fallbacks.Add(1, new TagList
            {
                { Tracing.SpanAttributes.GenAiRequestModel, Model(exchange) },
                { GatewayMetricNames.Target, attempt.Target.Id },
            });
        }
        inner?.OnAttemptStart(exchange, attempt, request);
    }

    public void OnAttemptEnd(Exchange exchange, Attempt attempt)
    {
        var tags = new TagList
        {
            { GatewayMetricNames.Target, attempt.Target.Id },
            { GatewayMetricNames.Outcome, Outcome(attempt.Outcome) },
        };
        if (attempt.UpstreamStatus > 0) tags.Add(GatewayMetricNames.Status, Status(attempt.UpstreamStatus));
        metrics.Attempts.Add(1, tags);
        inner?.OnAttemptEnd(exchange, attempt);
    }

    public void OnEnd(Exchange exchange)
    {
        metrics.Requests.Add(1, new TagList
        {
            { Tracing.SpanAttributes.GenAiRequestModel, Model(exchange) },
            { Tracing.SpanAttributes.GenAiOperationName, Tracing.TracingListener.OperationName(exchange.Operation) },
            { GatewayMetricNames.Status, Status(exchange.ClientStatus) },
            { GatewayMetricNames.SubjectType, exchange.Subject.Type },
        });
        inner?.OnEnd(exchange);
    }

    /// <summary>The requested model once routing recognised it (a configured name); client text otherwise would grow the series without bound.</summary>
    public static string Model(Exchange exchange) => exchange.Plan is null ? GatewayMetricNames.UnknownModel : exchange.Head.Model ?? GatewayMetricNames.UnknownModel;

    /// <summary>HTTP statuses are a small set; anything outside 100-599 is folded into one label.</summary>
    private static string Status(int status) => status is >= 100 and <= 599 ? s_statuses[status - 100] : "other";

    private static readonly string[] s_statuses = [.. Enumerable.Range(100, 500).Select(i => i.ToString(CultureInfo.InvariantCulture))];

    private static string Outcome(AttemptOutcome outcome) => outcome switch
    {
        AttemptOutcome.Delivered => "delivered",
        AttemptOutcome.UpstreamStatus => "upstream_status",
        AttemptOutcome.Unreachable => "unreachable",
        AttemptOutcome.TimedOut => "timeout",
        AttemptOutcome.ClientGone => "client_gone",
        AttemptOutcome.Interrupted => "interrupted",
        _ => "none",
    };
}
