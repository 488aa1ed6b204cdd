using System.Buffers.Binary;
using System.Diagnostics;

namespace Gateway.Tracing;

/// <summary>
/// Trace ids for the traces the gateway starts (a request without a traceparent): the first 6 bytes are the
/// Unix time in milliseconds, big-endian, and the other 10 are random, as AWS X-Ray's ids carry their time
/// and UUIDv7 its. The span store indexes a trace by its id's first 8 bytes (SpanStoreSchema.IndexTrace):
/// random keys put every new trace on a random index page, so each write rewrote about one 4 KB page per
/// request (10-18 % of the gateway's CPU with the store on, bench/load/RESULTS.md); time-ordered keys land
/// at the end of the index, where one page takes many traces.
/// </summary>
/// <remarks>
/// The last 8 bytes stay random, which is where samplers look: W3C Trace Context level 2 and OpenTelemetry's
/// consistent probability sampling take the rightmost 7 bytes as the randomness, Java's and Jaeger's ratio
/// samplers the right half, and the gateway's own (<see cref="RatioSampler"/>) too. .NET's
/// TraceIdRatioBasedSampler reads the left half; a service behind the gateway that samples by ratio without
/// following its parent's decision should use parentbased_traceidratio, the OpenTelemetry default family.
/// A client's traceparent is always kept as it came.
/// </remarks>
internal sealed class TimeOrderedTraceIds(TimeProvider time)
{
    private static readonly TimeOrderedTraceIds s_system = new(TimeProvider.System);

    /// <summary>The generator the gateway installs as <see cref="Activity.TraceIdGenerator"/>.</summary>
    public static ActivityTraceId NextSystem() => s_system.Next();

    public ActivityTraceId Next()
    {
        Span<byte> id = stackalloc byte[16];
        // The milliseconds' low 48 bits, big-endian, then randomness.
        var ms = (ulong)time.GetUtcNow().ToUnixTimeMilliseconds();
        BinaryPrimitives.WriteUInt16BigEndian(id, (ushort)(ms >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(id[2..], (uint)ms);
        Random.Shared.NextBytes(id[6..]);
        return ActivityTraceId.CreateFromBytes(id);
    }
}
