using System.Diagnostics.Metrics;
using Gateway.Spans;
using Gateway.Tracing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using OpenTelemetry.Metrics;

namespace Gateway.Metrics;

/// <summary>
/// The gateway's metrics and their Prometheus scrape endpoint (issue #16): the GenAI histograms of
/// <see cref="GenAiMetrics"/>, request, attempt and fallback counters, and gauges over the span queues
/// and the config. The host's MeterProvider (<c>AddOpenTelemetry().WithMetrics</c>, GatewayTelemetry.Register)
/// reads them with the OpenTelemetry Prometheus exporter, and with an OTLP reader too when ENABLE_OTEL_METRICS
/// is on. Every label comes from the config (model and target names, which routing has recognised) or from a
/// small fixed set, so the number of series is bounded by the config, never by what clients send.
/// </summary>
internal sealed class GatewayMetrics : IDisposable
{
    public const string ScrapePath = "/metrics";

    private readonly Meter _meter;

    private (GatewayRuntime.Snapshot Snapshot, KeyValuePair<string, object?>[] Labels)? _configLabels;

    /// <param name="runtime">The live config: its version (1 at start, +1 per reload) and file hash are reported.</param>
    /// <param name="owner">The gateway the meters belong to (their <see cref="Meter.Scope"/>; see <see cref="GenAiMetrics"/>).</param>
    public GatewayMetrics(GatewayRuntime runtime, object? owner = null)
    {
        GenAi = new GenAiMetrics(owner);
        _meter = new Meter(GenAiMetrics.MeterName, GatewayActivitySource.Version, tags: null, scope: owner);
        Requests = _meter.CreateCounter<long>(GatewayMetricNames.Requests, "{request}", "Requests answered, by model, operation, status and subject type.");
        Attempts = _meter.CreateCounter<long>(GatewayMetricNames.UpstreamAttempts, "{attempt}", "Upstream attempts (first tries, retries and fallbacks), by target and outcome.");
        Fallbacks = _meter.CreateCounter<long>(GatewayMetricNames.Fallbacks, "{fallback}", "Requests that moved on to a fallback target, by requested model and target.");
        _meter.CreateObservableGauge(GatewayMetricNames.ConfigInfo, () => new Measurement<int>(1, ConfigLabels(runtime.Current)),
            description: "The live config: version (1 at start, +1 per reload) and hash (of the config file) labels.");
        _meter.CreateObservableGauge(GatewayMetricNames.ConfigLiveVersion, () => runtime.Current.Version, "{version}", "The version of the live config: 1 at start, +1 per reload.");
        // Only with limits_store: redis (the store is fixed at start; a reload does not switch it).
        if (runtime.RateLimits.Shared is { } store)
        {
            _meter.CreateObservableCounter(GatewayMetricNames.LimitsStoreFailures, () => store.Failures, "{failure}",
                "Calls to the limits store (Redis) that failed or timed out.");
            var mode = new KeyValuePair<string, object?>(GatewayMetricNames.FailMode, store.FailClosed ? "closed" : "open");
            _meter.CreateObservableCounter(GatewayMetricNames.LimitsStoreFailModeRequests, () => new Measurement<long>(store.FailClosed ? store.FailedClosed : store.FailedOpen, mode), "{request}",
                "Requests the limits store's fail mode decided: this replica's own limits (open) or a 503 (closed).");
        }
    }

    /// <summary>The reader behind <see cref="ScrapePath"/>, on the host's MeterProvider.</summary>
    public static void AddScrapeExporter(MeterProviderBuilder builder) =>
        // No response cache: a scrape right after a request sees it (the exporter's default keeps 300 ms).
        builder.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);

    /// <summary>The info labels of a snapshot, computed once per snapshot (the hash reads the file).</summary>
    private KeyValuePair<string, object?>[] ConfigLabels(GatewayRuntime.Snapshot snapshot)
    {
        if (_configLabels is { } cached && ReferenceEquals(cached.Snapshot, snapshot)) return cached.Labels;
        KeyValuePair<string, object?>[] labels =
        [
            new(GatewayMetricNames.ConfigVersion, snapshot.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(GatewayMetricNames.ConfigHash, ConfigVersion.Of(snapshot.Config)),
        ];
        _configLabels = (snapshot, labels);
        return labels;
    }

    public GenAiMetrics GenAi { get; }
    public Counter<long> Requests { get; }
    public Counter<long> Attempts { get; }
    public Counter<long> Fallbacks { get; }

    /// <summary>Gauges over the span store's queue and the OTLP export queue; either may be absent (off).</summary>
    public void ObserveQueues(SpanStore? store, BoundedBatchExportProcessor? otlp)
    {
        if (store is not null)
        {
            // Queued but not yet written or failed; counts the batch being written.
            _meter.CreateObservableGauge(GatewayMetricNames.SpanStoreQueueDepth, () => Math.Max(0, store.Enqueued - store.Written - store.Failed), "{span}", "Spans waiting for the span store's writer.");
            _meter.CreateObservableCounter(GatewayMetricNames.SpanStoreDropped, () => store.Dropped, "{span}", "Spans the span store dropped because its queue was full.");
            _meter.CreateObservableCounter(GatewayMetricNames.SpanStoreFailed, () => store.Failed, "{span}", "Spans lost to a failed span store write.");
        }
        if (otlp is not null)
        {
            _meter.CreateObservableGauge(GatewayMetricNames.OtlpQueueDepth, () => otlp.Queued, "{span}", "Spans waiting for OTLP export.");
            _meter.CreateObservableCounter(GatewayMetricNames.OtlpDropped, () => otlp.Stats.DroppedSpans, "{span}", "Spans OTLP export dropped because its queue was full.");
            _meter.CreateObservableCounter(GatewayMetricNames.OtlpFailed, () => otlp.Stats.FailedSpans, "{span}", "Spans the OTLP collector refused or could not be sent.");
        }
    }

    /// <summary>
    /// Answers <c>GET /metrics</c> with the text exposition format, ahead of the gateway's dispatch (the
    /// exporter's middleware is reachable only as a branch); other methods fall through to a 405 there.
    /// </summary>
    public static void MapScrapeEndpoint(IApplicationBuilder app) =>
        // meterProvider null: the host's, resolved (and so built) here, before the server starts.
        app.UseOpenTelemetryPrometheusScrapingEndpoint(meterProvider: null,
            predicate: static c => c.Request.Path == ScrapePath && (HttpMethods.IsGet(c.Request.Method) || HttpMethods.IsHead(c.Request.Method)),
            path: null, configureBranchedPipeline: null, optionsName: null);

    public void Dispose()
    {
        _meter.Dispose();
        GenAi.Dispose();
    }
}
