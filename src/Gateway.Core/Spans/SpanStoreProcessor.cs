using System.Diagnostics;
using Gateway.Tracing;
using OpenTelemetry;

namespace Gateway.Spans;

/// <summary>
/// Feeds finished spans to the <see cref="SpanStore"/>. Two ways in, same work: as an OpenTelemetry
/// processor added to the tracer provider (when OTLP export is on, next to the exporter), or through
/// <see cref="Listen"/>, a plain <see cref="ActivityListener"/>, when there is no provider. OnEnd only
/// queues the activity; conversion and the database happen on the store's writer task.
/// </summary>
internal sealed class SpanStoreProcessor(SpanStore store, object? owner = null) : BaseProcessor<Activity>
{
    public SpanStore Store { get; } = store;

    public override void OnEnd(Activity data)
    {
        if (data.Recorded && data.Source.Name == GatewayActivitySource.Name && TracingListener.IsOwnedBy(data, owner)) Store.TryEnqueue(data);
    }

    /// <summary>
    /// Records every span of the "Gateway" source and hands it to <see cref="OnEnd"/>. Use this only
    /// when no tracer provider is built: with one, add the processor to it instead, or each span is
    /// stored twice.
    /// </summary>
    public ActivityListener Listen()
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == GatewayActivitySource.Name,
            // The store is on by default, so the gateway's spans are recorded with all their tags.
            // Parent-based, like OpenTelemetry's default sampler: a caller that marked its trace unsampled
            // gets its context propagated but nothing recorded.
            Sample = static (ref ActivityCreationOptions<ActivityContext> o) =>
                o.Parent != default && (o.Parent.TraceFlags & ActivityTraceFlags.Recorded) == 0
                    ? ActivitySamplingResult.PropagationData
                    : ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = OnEnd,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
