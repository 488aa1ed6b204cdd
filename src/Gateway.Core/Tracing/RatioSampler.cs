using System.Buffers.Binary;
using System.Globalization;
using OpenTelemetry.Trace;

namespace Gateway.Tracing;

/// <summary>
/// OTEL_TRACES_SAMPLER=traceidratio: samples a trace when its id's random part falls under the ratio, so every
/// service that samples by the same rule agrees. The random part is the id's right half, as in W3C Trace Context
/// level 2, OpenTelemetry's consistent probability sampling and Java's ratio sampler; .NET's
/// TraceIdRatioBasedSampler reads the left half, where the gateway's own ids carry their time
/// (<see cref="TimeOrderedTraceIds"/>), so it would sample whole milliseconds instead of one trace in N.
/// </summary>
internal sealed class RatioSampler : Sampler
{
    /// <summary>2^63 × ratio: a trace is sampled when the top 63 bits of its right half are below it.</summary>
    private readonly ulong _bound;
    private readonly bool _all;

    public RatioSampler(double ratio)
    {
        if (double.IsNaN(ratio) || ratio < 0 || ratio > 1) throw new ArgumentOutOfRangeException(nameof(ratio), ratio, "a ratio is between 0 and 1");
        _all = ratio >= 1;
        _bound = _all ? 0 : (ulong)(ratio * 9223372036854775808.0);
        Description = "TraceIdRatioBasedSampler{" + ratio.ToString("F6", CultureInfo.InvariantCulture) + "}";
    }

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        new(Sampled(samplingParameters.TraceId) ? SamplingDecision.RecordAndSample : SamplingDecision.Drop);

    public bool Sampled(System.Diagnostics.ActivityTraceId traceId)
    {
        if (_all) return true;
        Span<byte> id = stackalloc byte[16];
        traceId.CopyTo(id);
        return BinaryPrimitives.ReadUInt64BigEndian(id[8..]) >> 1 < _bound;
    }
}
