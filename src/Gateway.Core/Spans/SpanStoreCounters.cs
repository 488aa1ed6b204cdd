namespace Gateway.Spans;

/// <summary>The span store's counts, shared by the request threads (queued, dropped) and the store's own threads.</summary>
internal sealed class SpanStoreCounters
{
    private long _enqueued, _dropped, _written, _failed, _retained;

    public long Enqueued => Interlocked.Read(ref _enqueued);
    public long Dropped => Interlocked.Read(ref _dropped);
    public long Written => Interlocked.Read(ref _written);
    public long Failed => Interlocked.Read(ref _failed);
    public long Retained => Interlocked.Read(ref _retained);

    public void Enqueue() => Interlocked.Increment(ref _enqueued);

    public void Drop(long spans) => Interlocked.Add(ref _dropped, spans);

    public void Write(long spans) => Interlocked.Add(ref _written, spans);

    public void Fail(long spans) => Interlocked.Add(ref _failed, spans);

    public void Retain(long spans) => Interlocked.Add(ref _retained, spans);
}
