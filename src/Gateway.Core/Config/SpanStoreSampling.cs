using System.Text.Json.Serialization;

namespace Gateway.Config;

/// <summary>
/// <c>span_store.sampling</c>: which requests the store keeps, next to what OTEL_TRACES_SAMPLER samples for
/// export. The store never changes the export decision or the sampled flag of the traceparent sent upstream.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<SpanStoreSampling>))]
internal enum SpanStoreSampling
{
    /// <summary>
    /// <c>all</c>: every request, sampled or not. A span the sampler drops is still recorded (OpenTelemetry's
    /// RecordOnly): the store gets it with all its attributes, the OTLP exporter skips it, and its W3C flag stays 00.
    /// </summary>
    All,
    /// <summary><c>sampled</c>: only what the sampler samples, the same spans the OTLP exporter sends.</summary>
    Sampled,
}
