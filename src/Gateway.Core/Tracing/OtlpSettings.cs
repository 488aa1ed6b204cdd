using System.Globalization;
using Gateway.Config;

namespace Gateway.Tracing;

/// <summary>
/// Export settings read from the environment: ENABLE_OTEL_TRACING, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
/// OTEL_EXPORTER_OTLP_TRACES_HEADERS and OTEL_SERVICE_NAME as in seed 000, plus the standard OTEL_* knobs
/// (protocol, timeout, batch processor, sampler, metrics). Read through a delegate, never from the process
/// directly, so tests and embedders pass their own. Invalid values are errors, not silent defaults.
/// </summary>
internal sealed class OtlpSettings
{
    /// <summary>
    /// service.name when neither OTEL_SERVICE_NAME nor OTEL_RESOURCE_ATTRIBUTES names one: the application
    /// name of the reference system's gateway, which span queries already filter on. One default for the
    /// OTLP export and the span store, so a trace reads the same in both.
    /// </summary>
    public const string DefaultServiceName = "tfy-llm-gateway";

    public bool TracesEnabled { get; private init; }
    public bool MetricsEnabled { get; private init; }
    public string ServiceName { get; private init; } = DefaultServiceName;
    public IReadOnlyList<KeyValuePair<string, object>> ResourceAttributes { get; private init; } = [];
    public required OtlpEndpoint Traces { get; init; }
    public required OtlpEndpoint Metrics { get; init; }
    /// <summary>
    /// OTEL_BSP_* (the spec's defaults, but the queue): the per-export timeout is the exporter's,
    /// OTEL_EXPORTER_OTLP_TRACES_TIMEOUT. The queue holds <see cref="DefaultMaxQueueSize"/>, not the spec's 2048.
    /// </summary>
    public int ScheduleDelayMs { get; private init; } = 5000;
    public int MaxQueueSize { get; private init; } = DefaultMaxQueueSize;

    /// <summary>
    /// A gateway at 5,000 requests a second makes 15,000 spans a second: the spec's 2048 is 0.14 s of them, and
    /// the export thread, descheduled that long on a busy 2-core machine, dropped 4 % of spans at saturation
    /// (bench/load/RESULTS.md, session 7); 8192 dropped none in the same run. Only a backlog fills it.
    /// </summary>
    public const int DefaultMaxQueueSize = 8192;
    public int MaxExportBatchSize { get; private init; } = 512;
    /// <summary>OTEL_METRIC_EXPORT_INTERVAL.</summary>
    public int MetricExportIntervalMs { get; private init; } = 60_000;
    public string Sampler { get; private init; } = "parentbased_always_on";
    public double SamplerRatio { get; private init; } = 1.0;

    public bool AnyEnabled => TracesEnabled || MetricsEnabled;

    public static OtlpSettings FromEnvironment(Func<string, string?> env)
    {
        var switches = new List<string>();
        var tracesEnabled = Bool(env, switches, "ENABLE_OTEL_TRACING");
        var metricsEnabled = Bool(env, switches, "ENABLE_OTEL_METRICS");
        var errors = new List<string>();
        var traces = Endpoint(env, errors, "TRACES", "v1/traces", fallback: null);
        var metrics = Endpoint(env, errors, "METRICS", "v1/metrics", fallback: traces);
        var queue = Int(env, errors, "OTEL_BSP_MAX_QUEUE_SIZE", 1, 1_000_000) ?? DefaultMaxQueueSize;
        var batch = Int(env, errors, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 1, 1_000_000) ?? 512;
        if (batch > queue) errors.Add($"OTEL_BSP_MAX_EXPORT_BATCH_SIZE: {batch} is larger than OTEL_BSP_MAX_QUEUE_SIZE {queue}");
        var sampler = Value(env, "OTEL_TRACES_SAMPLER")?.ToLowerInvariant() ?? "parentbased_always_on";
        if (sampler is not ("always_on" or "always_off" or "traceidratio" or "parentbased_always_on" or "parentbased_always_off" or "parentbased_traceidratio"))
        {
            errors.Add($"OTEL_TRACES_SAMPLER: unknown sampler '{sampler}' (expected always_on, always_off, traceidratio or their parentbased_ forms)");
            sampler = "parentbased_always_on";
        }
        var ratio = 1.0;
        if (Value(env, "OTEL_TRACES_SAMPLER_ARG") is { } arg && sampler.EndsWith("traceidratio", StringComparison.Ordinal))
        {
            if (double.TryParse(arg, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && parsed is >= 0 and <= 1)
            {
                ratio = parsed;
            }
            else
            {
                // Reported only with export on; with export off the sampler still sets the sampled flag of
                // the traceparent sent upstream, and keeps the spec's default ratio.
                errors.Add($"OTEL_TRACES_SAMPLER_ARG: expected a ratio between 0 and 1, got '{arg}'");
            }
        }
        var resource = ResourceAttributesOf(env, errors);
        var serviceName = ServiceNameOf(env, resource);
        var settings = new OtlpSettings
        {
            TracesEnabled = tracesEnabled,
            MetricsEnabled = metricsEnabled,
            ServiceName = serviceName,
            ResourceAttributes = resource,
            Traces = traces,
            Metrics = metrics,
            ScheduleDelayMs = Int(env, errors, "OTEL_BSP_SCHEDULE_DELAY", 1, 3_600_000) ?? 5000,
            MaxQueueSize = queue,
            MaxExportBatchSize = batch,
            MetricExportIntervalMs = Int(env, errors, "OTEL_METRIC_EXPORT_INTERVAL", 1, 3_600_000) ?? 60_000,
            Sampler = sampler,
            SamplerRatio = ratio,
        };
        // With export off, the other OTEL_* variables are not the gateway's business: the environment may be
        // shared with programs that use values the gateway does not support (http/json, say).
        if (tracesEnabled || metricsEnabled) switches.AddRange(errors);
        if (switches.Count > 0) throw new ConfigException(switches);
        return settings;
    }

    /// <summary>The service.name of the spans, exported or stored (the span store's applicationName).</summary>
    public static string ServiceNameFrom(Func<string, string?> env) => ServiceNameOf(env, ResourceAttributesOf(env, []));

    // Spec: OTEL_SERVICE_NAME wins over a service.name in OTEL_RESOURCE_ATTRIBUTES.
    private static string ServiceNameOf(Func<string, string?> env, List<KeyValuePair<string, object>> resource) =>
        Value(env, "OTEL_SERVICE_NAME")
        ?? resource.FirstOrDefault(a => a.Key == "service.name").Value as string
        ?? DefaultServiceName;

    /// <summary>
    /// Spec (OTLP exporter configuration): a signal-specific endpoint is used as is; the generic
    /// OTEL_EXPORTER_OTLP_ENDPOINT gets <c>/v1/{signal}</c> appended for http/protobuf. As a convenience the
    /// metrics endpoint, when neither is set, is derived from the traces one (same collector, same headers).
    /// </summary>
    private static OtlpEndpoint Endpoint(Func<string, string?> env, List<string> errors, string signal, string path, OtlpEndpoint? fallback)
    {
        var protocolName = $"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL";
        var protocolText = Value(env, protocolName) ?? Value(env, protocolName = "OTEL_EXPORTER_OTLP_PROTOCOL");
        var protocol = fallback?.Protocol ?? OtlpProtocol.HttpProtobuf;
        switch (protocolText?.ToLowerInvariant())
        {
            case null: break;
            case "http/protobuf": protocol = OtlpProtocol.HttpProtobuf; break;
            case "grpc": protocol = OtlpProtocol.Grpc; break;
            default: errors.Add($"{protocolName}: unsupported protocol '{protocolText}' (expected http/protobuf or grpc)"); break;
        }
        var headers = Value(env, $"OTEL_EXPORTER_OTLP_{signal}_HEADERS") ?? Value(env, "OTEL_EXPORTER_OTLP_HEADERS");
        var timeout = Int(env, errors, $"OTEL_EXPORTER_OTLP_{signal}_TIMEOUT", 1, 600_000) ?? Int(env, errors, "OTEL_EXPORTER_OTLP_TIMEOUT", 1, 600_000) ?? 10_000;
        string url;
        string urlName;
        if (Value(env, urlName = $"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT") is { } specific)
        {
            url = specific;
        }
        else if (Value(env, urlName = "OTEL_EXPORTER_OTLP_ENDPOINT") is { } generic)
        {
            url = protocol == OtlpProtocol.Grpc ? generic : generic.TrimEnd('/') + "/" + path;
        }
        else if (fallback is not null && fallback.Url.AbsolutePath.EndsWith("/v1/traces", StringComparison.Ordinal) && protocol == OtlpProtocol.HttpProtobuf)
        {
            var traces = fallback.Url.GetLeftPart(UriPartial.Path);
            url = traces[..^"v1/traces".Length] + path;
            headers ??= fallback.Headers;
        }
        else if (fallback is not null && protocol == OtlpProtocol.Grpc && fallback.Protocol == OtlpProtocol.Grpc)
        {
            url = fallback.Url.ToString();
            headers ??= fallback.Headers;
        }
        else
        {
            url = protocol == OtlpProtocol.Grpc ? "http://localhost:4317" : "http://localhost:4318/" + path;
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            errors.Add($"{urlName}: '{url}' is not an absolute http(s) URL");
            uri = new Uri("http://localhost:4318/" + path);
        }
        if (headers is not null && !HeadersAreWellFormed(headers))
        {
            // The value may hold credentials: name the variable, never echo it.
            errors.Add($"OTEL_EXPORTER_OTLP_{signal}_HEADERS: expected comma-separated key=value pairs");
        }
        return new OtlpEndpoint(uri, protocol, headers, timeout);
    }

    internal static bool HeadersAreWellFormed(string headers)
    {
        foreach (var pair in headers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0 || pair[..eq].Trim().Length == 0) return false;
        }
        return true;
    }

    private static List<KeyValuePair<string, object>> ResourceAttributesOf(Func<string, string?> env, List<string> errors)
    {
        var list = new List<KeyValuePair<string, object>>();
        if (Value(env, "OTEL_RESOURCE_ATTRIBUTES") is not { } text) return list;
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0)
            {
                errors.Add($"OTEL_RESOURCE_ATTRIBUTES: '{pair}' is not key=value");
                continue;
            }
            var key = pair[..eq].Trim();
            list.Add(new(key, Uri.UnescapeDataString(pair[(eq + 1)..].Trim())));
        }
        return list;
    }

    private static string? Value(Func<string, string?> env, string name) => env(name) is { Length: > 0 } v ? v.Trim() : null;

    private static bool Bool(Func<string, string?> env, List<string> errors, string name)
    {
        switch (Value(env, name)?.ToLowerInvariant())
        {
            case null or "false" or "0" or "no": return false;
            case "true" or "1" or "yes": return true;
            case var other:
                errors.Add($"{name}: expected true or false, got '{other}'");
                return false;
        }
    }

    private static int? Int(Func<string, string?> env, List<string> errors, string name, int min, int max)
    {
        if (Value(env, name) is not { } text) return null;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
        {
            errors.Add($"{name}: expected an integer between {min} and {max}, got '{text}'");
            return null;
        }
        return v;
    }
}
