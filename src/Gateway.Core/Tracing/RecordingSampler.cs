using OpenTelemetry.Trace;

namespace Gateway.Tracing;

/// <summary>
/// The sampler of the gateway's one tracer provider. <see cref="Export"/> (OTEL_TRACES_SAMPLER) decides what
/// is sampled: exported over OTLP and flagged sampled (01) in the traceparent sent upstream. With
/// <c>recordDropped</c> (the span store keeps every request), a span it drops is recorded anyway
/// (<see cref="SamplingDecision.RecordOnly"/>): processors get it with its attributes, the exporter skips it
/// (it is not Recorded) and its W3C flag stays 00. Spec (trace SDK, SamplingResult): "RECORD_ONLY -
/// IsRecording will be true, but the Sampled flag MUST NOT be set."
/// </summary>
internal sealed class RecordingSampler : Sampler
{
    private readonly bool _recordDropped;

    public RecordingSampler(Sampler export, bool recordDropped)
    {
        Export = export;
        _recordDropped = recordDropped;
        Description = recordDropped ? $"RecordDropped{{{export.Description}}}" : export.Description;
    }

    public Sampler Export { get; }

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
    {
        var result = Export.ShouldSample(in samplingParameters);
        return result.Decision == SamplingDecision.Drop && _recordDropped
            ? new SamplingResult(SamplingDecision.RecordOnly, result.Attributes, result.TraceStateString)
            : result;
    }
}
