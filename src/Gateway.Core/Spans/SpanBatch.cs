using System.Buffers;

namespace Gateway.Spans;

/// <summary>
/// What the store's encoder hands its writer (SpanStore): rows in insertion order with their blobs, the
/// strings given ids for them, and the markers that came after them in the queue. Reused: the writer gives
/// a written batch back.
/// </summary>
internal sealed class SpanBatch
{
    public List<SpanRow> Rows { get; } = new(SpanStore.BatchSize);
    /// <summary>The rows' blobs, end to end (<see cref="SpanRow.Blob"/> points into it).</summary>
    public ArrayBufferWriter<byte> Blobs { get; } = new(64 * 1024);
    /// <summary>New <c>span_strings</c> rows the batch's rows use.</summary>
    public List<(long Id, string Value)> Strings { get; } = [];
    /// <summary>Flush waiters: they go once the rows before them are written.</summary>
    public List<TaskCompletionSource> Flushes { get; } = [];
    /// <summary>Run retention after the rows.</summary>
    public bool Retention { get; set; }

    public void Clear()
    {
        Rows.Clear();
        Blobs.ResetWrittenCount();
        Strings.Clear();
        Flushes.Clear();
        Retention = false;
    }
}
