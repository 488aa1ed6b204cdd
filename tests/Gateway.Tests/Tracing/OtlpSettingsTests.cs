using Gateway.Config;
using Gateway.Tracing;

namespace Gateway.Tests.Tracing;

public sealed class OtlpSettingsTests
{
    private static OtlpSettings Read(params (string Key, string Value)[] vars)
    {
        var env = vars.ToDictionary(v => v.Key, v => v.Value);
        return OtlpSettings.FromEnvironment(name => env.TryGetValue(name, out var v) ? v : null);
    }

    [Fact]
    public void Defaults_AreOffWithSpecEndpoints()
    {
        var s = Read();

        Assert.False(s.TracesEnabled);
        Assert.False(s.MetricsEnabled);
        Assert.Equal("tfy-llm-gateway", s.ServiceName);
        Assert.Equal("http://localhost:4318/v1/traces", s.Traces.Url.ToString());
        Assert.Equal("http://localhost:4318/v1/metrics", s.Metrics.Url.ToString());
        Assert.Equal(OtlpProtocol.HttpProtobuf, s.Traces.Protocol);
        Assert.Equal(5000, s.ScheduleDelayMs);
        Assert.Equal(8192, s.MaxQueueSize);
        Assert.Equal(512, s.MaxExportBatchSize);
        Assert.Equal(10_000, s.Traces.TimeoutMs);
    }

    [Fact]
    public void SeedVariables_AreUsedAsGiven()
    {
        var s = Read(
            ("ENABLE_OTEL_TRACING", "true"),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://collector.example.com/api/otel/v1/traces"),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "Authorization=Bearer abc,TFY-Tracing-Project=p"),
            ("OTEL_SERVICE_NAME", "llm-gateway"));

        Assert.True(s.TracesEnabled);
        Assert.Equal("https://collector.example.com/api/otel/v1/traces", s.Traces.Url.ToString());
        Assert.Equal("Authorization=Bearer abc,TFY-Tracing-Project=p", s.Traces.Headers);
        Assert.Equal("llm-gateway", s.ServiceName);
        // Metrics follow the traces collector (same headers) unless told otherwise.
        Assert.Equal("https://collector.example.com/api/otel/v1/metrics", s.Metrics.Url.ToString());
        Assert.Equal(s.Traces.Headers, s.Metrics.Headers);
        Assert.DoesNotContain("abc", s.Traces.ToString());
    }

    [Fact]
    public void GenericEndpoint_GetsTheSignalPathForHttp_AndIsKeptForGrpc()
    {
        Assert.Equal("http://c:4318/v1/traces", Read(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/")).Traces.Url.ToString());
        var grpc = Read(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"));
        Assert.Equal(OtlpProtocol.Grpc, grpc.Traces.Protocol);
        Assert.Equal("http://c:4317/", grpc.Traces.Url.ToString());
        Assert.Equal(OtlpProtocol.Grpc, grpc.Metrics.Protocol);
        Assert.Equal("http://localhost:4317/", Read(("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc")).Traces.Url.ToString());
    }

    [Fact]
    public void InvalidValues_AreErrorsNamingTheVariable_WithoutEchoingHeaders()
    {
        var e = Assert.Throws<ConfigException>(() => Read(
            ("ENABLE_OTEL_TRACING", "maybe"),
            ("ENABLE_OTEL_METRICS", "true"),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "collector:4318"),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "token-without-key-s3cr3t"),
            ("OTEL_BSP_SCHEDULE_DELAY", "soon"),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "10"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "20"),
            ("OTEL_TRACES_SAMPLER", "sometimes")));

        var all = string.Join("\n", e.Errors);
        Assert.Contains("ENABLE_OTEL_TRACING", all);
        Assert.Contains("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: unsupported protocol 'http/json'", all);
        Assert.Contains("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", all);
        Assert.Contains("OTEL_EXPORTER_OTLP_TRACES_HEADERS", all);
        Assert.DoesNotContain("s3cr3t", all);
        Assert.Contains("OTEL_BSP_SCHEDULE_DELAY", all);
        Assert.Contains("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", all);
        Assert.Contains("OTEL_TRACES_SAMPLER", all);
    }

    [Fact]
    public void WithExportOff_OtherProgramsOtelVariablesAreIgnored()
    {
        var s = Read(("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"), ("OTEL_BSP_SCHEDULE_DELAY", "soon"));

        Assert.False(s.AnyEnabled);
        Assert.Throws<ConfigException>(() => Read(("ENABLE_OTEL_TRACING", "true"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")));
        Assert.Throws<ConfigException>(() => Read(("ENABLE_OTEL_TRACING", "on")));
    }

    [Fact]
    public void WithExportOff_TheSamplerStillApplies_AndAnInvalidOneFallsBackToTheDefault()
    {
        // The sampler also sets the sampled flag sent upstream, with or without export.
        Assert.Equal("always_off", Read(("OTEL_TRACES_SAMPLER", "always_off")).Sampler);
        Assert.Equal("parentbased_always_on", Read(("OTEL_TRACES_SAMPLER", "sometimes")).Sampler);
        var s = Read(("OTEL_TRACES_SAMPLER", "traceidratio"), ("OTEL_TRACES_SAMPLER_ARG", "half"));
        Assert.Equal("traceidratio", s.Sampler);
        Assert.Equal(1.0, s.SamplerRatio);
    }

    [Fact]
    public void ServiceName_FromResourceAttributes_WhenNotSetDirectly()
    {
        Assert.Equal("from-resource", Read(("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-resource")).ServiceName);
        Assert.Equal("direct", Read(("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-resource"), ("OTEL_SERVICE_NAME", "direct")).ServiceName);
    }

    [Fact]
    public void BatchSamplerAndResourceSettings()
    {
        var s = Read(
            ("ENABLE_OTEL_METRICS", "1"),
            ("OTEL_BSP_SCHEDULE_DELAY", "50"),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "100"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "10"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "1000"),
            ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.25"),
            ("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=prod, team=ml%20ops"));

        Assert.True(s.MetricsEnabled);
        Assert.Equal(50, s.ScheduleDelayMs);
        Assert.Equal(100, s.MaxQueueSize);
        Assert.Equal(10, s.MaxExportBatchSize);
        Assert.Equal(1000, s.MetricExportIntervalMs);
        Assert.Equal("parentbased_traceidratio", s.Sampler);
        Assert.Equal(0.25, s.SamplerRatio);
        Assert.Contains(new KeyValuePair<string, object>("team", "ml ops"), s.ResourceAttributes);
        Assert.Contains(new KeyValuePair<string, object>("deployment.environment", "prod"), s.ResourceAttributes);
    }
}
