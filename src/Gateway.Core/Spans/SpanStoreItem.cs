using System.Diagnostics;

namespace Gateway.Spans;

/// <summary>
/// One entry of the writer's queue: a finished activity (converted on the writer, off the request
/// path), a ready record, or a control marker (flush, retention) that keeps the writer the only
/// thread touching the write connection.
/// </summary>
internal readonly struct SpanStoreItem
{
    public Activity? Activity { get; init; }
    public SpanRecord? Record { get; init; }
    public TaskCompletionSource? Flushed { get; init; }
    public bool Retention { get; init; }
}
