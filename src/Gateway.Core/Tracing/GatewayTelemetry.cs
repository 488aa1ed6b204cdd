using System.Diagnostics;
using Gateway.Proxy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Gateway.Tracing;

/// <summary>
/// The OpenTelemetry pipeline of one gateway, on the host's providers (<c>AddOpenTelemetry()</c>, see
/// <see cref="Register"/>): a TracerProvider over <see cref="GatewayActivitySource"/> with one sampler
/// (<see cref="RecordingSampler"/>) and two processors side by side, the OTLP exporter's
/// <see cref="BoundedBatchExportProcessor"/> (sampled spans only) and the span store's; an OTLP reader on the
/// MeterProvider that <c>/metrics</c> reads too; and the exchange listener that feeds both. The host builds the
/// providers when it starts and disposes them after the server has stopped, each flushing for at most 5 s
/// (the SDK's bound), so a hung collector cannot hold up the exit.
/// </summary>
internal sealed class GatewayTelemetry
{
    private readonly OtlpSettings _settings;
    private readonly BaseProcessor<Activity>? _store;
    private readonly bool _storeAll;

    /// <param name="listener">Records the spans and the GenAI metrics of each exchange.</param>
    /// <param name="store">
    /// The span store's processor (null when the store is off or did not open): on the same provider as the
    /// exporter, under the same sampler (one listener), so spans are built even with export off.
    /// </param>
    /// <param name="storeAll">The store keeps requests the sampler drops too (span_store.sampling: all); see <see cref="RecordingSampler"/>.</param>
    /// <param name="owner">Marks this gateway's span trees; the exporter keeps only those.</param>
    public GatewayTelemetry(OtlpSettings settings, IExchangeListener listener, BaseProcessor<Activity>? store, bool storeAll, object owner, ILogger logger)
    {
        _settings = settings;
        _store = store;
        _storeAll = storeAll;
        Listener = listener;
        if (settings.TracesEnabled)
        {
            Processor = new BoundedBatchExportProcessor(new OtlpTraceExporter(ExporterOptions(settings.Traces)), settings.MaxQueueSize, settings.MaxExportBatchSize,
                settings.ScheduleDelayMs, new ExportStats(logger, settings.Traces.ToString()), owner);
            TracingLog.ExportEnabled(logger, "traces", settings.Traces.ToString(), settings.ServiceName);
        }
        if (settings.MetricsEnabled) TracingLog.ExportEnabled(logger, "metrics", settings.Metrics.ToString(), settings.ServiceName);
    }

    public IExchangeListener Listener { get; }

    /// <summary>The span export queue and its counters (null when trace export is off).</summary>
    public BoundedBatchExportProcessor? Processor { get; }

    /// <summary>
    /// Configures the host's providers; the <see cref="GatewayTelemetry"/> singleton supplies the span
    /// processors when the host builds the TracerProvider.
    /// </summary>
    /// <param name="tracing">
    /// Trace export or the span store is on. When neither is, no TracerProvider is registered at all: nothing
    /// listens to the ActivitySource, so the request path starts no span and sends no traceparent.
    /// </param>
    /// <param name="owner">
    /// The gateway whose meters this provider reads (their <see cref="System.Diagnostics.Metrics.Meter.Scope"/>). The
    /// provider listens by meter name, which every gateway in a process shares; another gateway's instruments are
    /// dropped, or a gauge such as the live config version would show whichever gateway reported last.
    /// </param>
    public static void Register(OpenTelemetryBuilder otel, OtlpSettings settings, bool tracing, object? owner = null)
    {
        var resource = Resource(settings);
        if (tracing)
        {
            otel.WithTracing(traces =>
            {
                traces.SetResourceBuilder(resource);
                // The host's builder is deferred (the SDK's documented seam for configuring from services): the
                // source, sampler and processors are chosen when the provider is built, once the span store has opened or not.
                var deferred = traces as IDeferredTracerProviderBuilder ?? throw new InvalidOperationException("AddOpenTelemetry() gives a deferred TracerProviderBuilder");
                deferred.Configure(static (services, builder) => services.GetRequiredService<GatewayTelemetry>().AddProcessors(builder));
            });
        }
        otel.WithMetrics(metrics =>
        {
            // The Prometheus exporter's target_info carries this resource too (GatewayMetrics adds that reader).
            metrics.SetResourceBuilder(resource).AddMeter(GenAiMetrics.MeterName);
            if (owner is not null)
            {
                metrics.AddView(instrument => instrument.Meter.Scope is { } scope && !ReferenceEquals(scope, owner) ? MetricStreamConfiguration.Drop : null);
            }
            if (settings.MetricsEnabled)
            {
                // A factory: the exporter and its HttpClient are made only when the host builds the provider.
                metrics.AddReader(_ => new PeriodicExportingMetricReader(new OtlpMetricExporter(ExporterOptions(settings.Metrics)),
                    settings.MetricExportIntervalMs, settings.Metrics.TimeoutMs));
            }
        });
    }

    private void AddProcessors(TracerProviderBuilder builder)
    {
        // A span store that did not open, with export off: nothing would keep a span, so the provider listens to
        // no source and none is started, as with tracing off. (A sampler cannot do that: one that drops still
        // has the SDK create root activities to propagate the trace id.)
        if (_store is null && Processor is null) return;
        // New traces get time-ordered ids (process-wide: Activity has one generator), so the span store's trace
        // index grows at its end instead of at random pages.
        Activity.TraceIdGenerator ??= TimeOrderedTraceIds.NextSystem;
        builder.AddSource(GatewayActivitySource.Name)
            .SetSampler(new RecordingSampler(Sampler(_settings), recordDropped: _store is not null && _storeAll));
        if (_store is not null) builder.AddProcessor(_store);
        if (Processor is not null) builder.AddProcessor(Processor);
    }

    private static ResourceBuilder Resource(OtlpSettings settings)
    {
        // CreateEmpty, not CreateDefault: the default detectors read OTEL_SERVICE_NAME and
        // OTEL_RESOURCE_ATTRIBUTES from the host's configuration, bypassing the environment delegate.
        var serviceName = settings.ServiceName;
        var attributes = new List<KeyValuePair<string, object>>(settings.ResourceAttributes.Count + 2);
        foreach (var a in settings.ResourceAttributes)
        {
            if (a.Key == "service.name") continue;
            attributes.Add(a);
        }
        return ResourceBuilder.CreateEmpty()
            .AddService(serviceName, serviceVersion: GatewayActivitySource.Version, autoGenerateServiceInstanceId: true)
            .AddTelemetrySdk()
            .AddAttributes(attributes);
    }

    private static OtlpExporterOptions ExporterOptions(OtlpEndpoint endpoint)
    {
        var options = new OtlpExporterOptions
        {
#pragma warning disable CS0618 // Grpc is marked obsolete only on .NET Framework targets of the exporter.
            Protocol = endpoint.Protocol == OtlpProtocol.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf,
#pragma warning restore CS0618
            Endpoint = endpoint.Url,
            TimeoutMilliseconds = endpoint.TimeoutMs,
        };
        // Always assigned: the options constructor may have read OTEL_EXPORTER_OTLP_HEADERS from the process.
        options.Headers = endpoint.Headers ?? "";
        return options;
    }

    private static Sampler Sampler(OtlpSettings settings) => settings.Sampler switch
    {
        "always_on" => new AlwaysOnSampler(),
        "always_off" => new AlwaysOffSampler(),
        "traceidratio" => new RatioSampler(settings.SamplerRatio),
        "parentbased_always_off" => new ParentBasedSampler(new AlwaysOffSampler()),
        "parentbased_traceidratio" => new ParentBasedSampler(new RatioSampler(settings.SamplerRatio)),
        _ => new ParentBasedSampler(new AlwaysOnSampler()),
    };
}
