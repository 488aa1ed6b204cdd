using System.Diagnostics;
using Gateway.Config;
using Gateway.Tracing;
using OpenTelemetry;

namespace Gateway.Spans;

/// <summary>
/// Feeds finished spans to the <see cref="SpanStore"/>: an OpenTelemetry processor on the gateway's tracer
/// provider, beside the OTLP exporter and under the same sampler (GatewayTelemetry). OnEnd only queues the
/// activity; conversion and the database happen on the store's writer task.
/// </summary>
/// <remarks>
/// <see cref="SpanStoreSampling.All"/> stores every span the provider recorded, sampled for export or not
/// (the sampler records the others as RecordOnly); <see cref="SpanStoreSampling.Sampled"/> stores only the
/// sampled ones, the same set the exporter sends.
/// </remarks>
internal sealed class SpanStoreProcessor(SpanStore store, object? owner = null, SpanStoreSampling sampling = SpanStoreSampling.All, bool keepUnowned = false) : BaseProcessor<Activity>
{
    public SpanStore Store { get; } = store;

    public SpanStoreSampling Sampling { get; } = sampling;

    public override void OnEnd(Activity data)
    {
        var kept = Sampling == SpanStoreSampling.All ? data.IsAllDataRequested : data.Recorded;
        if (kept && data.Source.Name == GatewayActivitySource.Name && TracingListener.IsOwnedBy(data, owner, keepUnowned)) Store.TryEnqueue(data);
    }

    /// <summary>
    /// Records every span of the "Gateway" source and hands it to <see cref="OnEnd"/>: for a store used
    /// without a gateway (tests, tools). The gateway adds the processor to its tracer provider instead; both
    /// at once would store each span twice.
    /// </summary>
    public ActivityListener Listen()
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == GatewayActivitySource.Name,
            Sample = static (ref ActivityCreationOptions<ActivityContext> o) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = OnEnd,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
