namespace Gateway.Metrics;

/// <summary>
/// Names of the gateway's own instruments and labels (the GenAI ones are in Tracing/MetricNames.cs).
/// OpenTelemetry style, dotted and unit-free; the Prometheus exporter turns <c>gateway.requests</c> with
/// unit <c>{request}</c> into <c>gateway_requests_total</c> (docs/metrics.md lists every series).
/// </summary>
internal static class GatewayMetricNames
{
    public const string Requests = "gateway.requests";
    public const string UpstreamAttempts = "gateway.upstream.attempts";
    public const string Fallbacks = "gateway.fallbacks";
    public const string ConfigInfo = "gateway.config.info";
    /// <summary>Numeric, for alerts on reloads: 1 at start, +1 per reload (README, "Configuration reload").</summary>
    public const string ConfigLiveVersion = "gateway.config.version";
    public const string SpanStoreQueueDepth = "gateway.span_store.queue.depth";
    public const string SpanStoreDropped = "gateway.span_store.dropped";
    public const string SpanStoreFailed = "gateway.span_store.failed";
    public const string OtlpQueueDepth = "gateway.otlp.queue.depth";
    public const string OtlpDropped = "gateway.otlp.dropped";
    public const string OtlpFailed = "gateway.otlp.failed";
    /// <summary>limits_store: redis calls that failed or timed out (docs/limits.md).</summary>
    public const string LimitsStoreFailures = "gateway.limits.store.failures";
    /// <summary>Requests the limits store's fail mode decided: a fail-open fallback or a fail-closed 503.</summary>
    public const string LimitsStoreFailModeRequests = "gateway.limits.store.fail_mode.requests";

    // Labels.
    public const string ConfigVersion = "version";
    public const string ConfigHash = "hash";
    public const string Status = "http.response.status_code";
    public const string SubjectType = "subject.type";
    public const string Target = "gateway.target";
    public const string Outcome = "gateway.attempt.outcome";
    /// <summary><c>open</c> or <c>closed</c>, as limits_store.fail_mode.</summary>
    public const string FailMode = "gateway.limits.fail_mode";
    /// <summary>The model label of a request routing did not recognise: client text must not become a series.</summary>
    public const string UnknownModel = "unknown";
}
