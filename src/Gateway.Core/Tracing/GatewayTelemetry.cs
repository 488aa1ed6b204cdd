using System.Diagnostics;
using Gateway.Proxy;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Gateway.Tracing;

/// <summary>
/// The OpenTelemetry pipeline of one gateway: a TracerProvider over <see cref="GatewayActivitySource"/> with one
/// sampler (<see cref="RecordingSampler"/>) and two processors side by side, the OTLP exporter's
/// <see cref="BoundedBatchExportProcessor"/> (sampled spans only) and the span store's; a MeterProvider over
/// <see cref="GenAiMetrics"/>; and the exchange listener that feeds both. Built with
/// <c>Sdk.CreateTracerProviderBuilder()</c> (no hosting package); disposed, with a bounded flush, on shutdown.
/// </summary>
internal sealed class GatewayTelemetry : IDisposable
{
    private readonly TracerProvider? _tracerProvider;
    private readonly MeterProvider? _meterProvider;
    private readonly GenAiMetrics? _metrics;

    private GatewayTelemetry(OtlpSettings settings, TracerProvider? tracer, BoundedBatchExportProcessor? processor, MeterProvider? meter, GenAiMetrics? metrics, IExchangeListener? listener)
    {
        Settings = settings;
        _tracerProvider = tracer;
        Processor = processor;
        _meterProvider = meter;
        _metrics = metrics;
        Listener = listener;
    }

    public OtlpSettings Settings { get; }

    /// <summary>Null when neither tracing nor metrics export is enabled: the proxy then does no tracing work at all.</summary>
    public IExchangeListener? Listener { get; }

    /// <summary>The span export queue and its counters (null when tracing is off).</summary>
    public BoundedBatchExportProcessor? Processor { get; }

    /// <summary>Reads the OTEL_* environment through <paramref name="environment"/>; throws ConfigException on invalid values.</summary>
    /// <param name="owner">Marks this gateway's span trees; the exporter keeps only those.</param>
    /// <param name="store">
    /// The span store's processor: added to the same provider as the exporter, under the same sampler (one
    /// listener), so spans are built even with export off.
    /// </param>
    /// <param name="storeAll">The store keeps requests the sampler drops too (span_store.sampling: all); see <see cref="RecordingSampler"/>.</param>
    /// <param name="project">The tracing project of a request (tfy.tracing_project_fqn).</param>
    /// <param name="sharedMetrics">GenAI instruments owned by the caller (the /metrics endpoint): recorded always, exported over OTLP too when enabled.</param>
    public static GatewayTelemetry Create(GatewayRuntime runtime, Func<string, string?> environment, ILoggerFactory loggerFactory,
        object? owner = null, BaseProcessor<Activity>? store = null, bool storeAll = true, Func<Exchange, string>? project = null, GenAiMetrics? sharedMetrics = null)
    {
        var settings = OtlpSettings.FromEnvironment(environment);
        owner ??= new object();
        var logger = loggerFactory.CreateLogger("Gateway.Tracing");
        if (!settings.AnyEnabled && store is null)
        {
            // Nothing records spans; the listener still feeds the /metrics instruments.
            return new GatewayTelemetry(settings, null, null, null, null, sharedMetrics is not null ? new TracingListener(runtime, sharedMetrics, owner, project, logger) : null);
        }
        var resource = Resource(settings);

        TracerProvider? tracer = null;
        BoundedBatchExportProcessor? processor = null;
        if (settings.TracesEnabled || store is not null)
        {
            var builder = Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(resource)
                .AddSource(GatewayActivitySource.Name)
                .SetSampler(new RecordingSampler(Sampler(settings), recordDropped: store is not null && storeAll));
            if (store is not null) builder.AddProcessor(store);
            if (settings.TracesEnabled)
            {
                var exporter = new OtlpTraceExporter(ExporterOptions(settings.Traces));
                processor = new BoundedBatchExportProcessor(exporter, settings.MaxQueueSize, settings.MaxExportBatchSize, settings.ScheduleDelayMs,
                    new ExportStats(logger, settings.Traces.ToString()), owner);
                builder.AddProcessor(processor);
                TracingLog.ExportEnabled(logger, "traces", settings.Traces.ToString(), settings.ServiceName);
            }
            tracer = builder.Build();
        }

        GenAiMetrics? metrics = null;
        MeterProvider? meter = null;
        if (settings.MetricsEnabled)
        {
            // The OTLP reader subscribes by meter name, so it sees shared instruments as well as its own.
            metrics = sharedMetrics is null ? new GenAiMetrics() : null;
            var exporter = new OtlpMetricExporter(ExporterOptions(settings.Metrics));
            meter = Sdk.CreateMeterProviderBuilder()
                .SetResourceBuilder(resource)
                .AddMeter(GenAiMetrics.MeterName)
                .AddReader(new PeriodicExportingMetricReader(exporter, settings.MetricExportIntervalMs, settings.Metrics.TimeoutMs))
                .Build();
            TracingLog.ExportEnabled(logger, "metrics", settings.Metrics.ToString(), settings.ServiceName);
        }
        return new GatewayTelemetry(settings, tracer, processor, meter, metrics, new TracingListener(runtime, sharedMetrics ?? metrics, owner, project, logger));
    }

    private static ResourceBuilder Resource(OtlpSettings settings)
    {
        // CreateEmpty, not CreateDefault: the default detectors read OTEL_SERVICE_NAME and
        // OTEL_RESOURCE_ATTRIBUTES from the process, bypassing the environment delegate.
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
        "traceidratio" => new TraceIdRatioBasedSampler(settings.SamplerRatio),
        "parentbased_always_off" => new ParentBasedSampler(new AlwaysOffSampler()),
        "parentbased_traceidratio" => new ParentBasedSampler(new TraceIdRatioBasedSampler(settings.SamplerRatio)),
        _ => new ParentBasedSampler(new AlwaysOnSampler()),
    };

    /// <summary>Flushes what is queued, waiting at most <paramref name="timeoutMs"/>; for tests and shutdown.</summary>
    public bool ForceFlush(int timeoutMs = 5000)
    {
        var ok = _tracerProvider?.ForceFlush(timeoutMs) ?? true;
        return (_meterProvider?.ForceFlush(timeoutMs) ?? true) && ok;
    }

    public void Dispose()
    {
        // Bounded: a hung collector must not hold up process exit.
        _tracerProvider?.Shutdown(5000);
        _tracerProvider?.Dispose();
        _meterProvider?.Shutdown(5000);
        _meterProvider?.Dispose();
        _metrics?.Dispose();
    }
}
