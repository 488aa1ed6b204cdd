namespace Gateway.Spans;

/// <summary>
/// Batches passed between the span store's encoder and writer threads (the filled ones one way, the free ones
/// back), blocking without spinning. A BlockingCollection waits in a SemaphoreSlim, which spins and yields
/// before it blocks: at saturation the writer, waiting for its next batch, spent 2.2 % of the gateway's CPU in
/// SpinWait (bench/load/RESULTS.md, issue #11) on the cores the request threads need.
/// </summary>
internal sealed class SpanBatchQueue(int capacity = int.MaxValue)
{
    private readonly Queue<SpanBatch> _items = new();
    private readonly object _lock = new(); // Monitor.Wait and PulseAll need a Monitor, not a System.Threading.Lock
    private bool _completed;

    public int Count
    {
        get
        {
            lock (_lock) return _items.Count;
        }
    }

    /// <summary>Adds a batch, waiting while the queue holds <c>capacity</c>; throws OperationCanceledException when <paramref name="token"/> ends the wait.</summary>
    public void Add(SpanBatch batch, CancellationToken token = default)
    {
        lock (_lock)
        {
            if (_completed) throw new InvalidOperationException("no batch is added once adding is complete");
            while (_items.Count >= capacity) Wait(token);
            _items.Enqueue(batch);
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>The next batch; throws OperationCanceledException when <paramref name="token"/> ends the wait.</summary>
    public SpanBatch Take(CancellationToken token)
    {
        lock (_lock)
        {
            while (_items.Count == 0) Wait(token);
            var batch = _items.Dequeue();
            Monitor.PulseAll(_lock);
            return batch;
        }
    }

    /// <summary>The batches as they come, until adding is complete and none is left.</summary>
    public IEnumerable<SpanBatch> GetConsumingEnumerable()
    {
        while (true)
        {
            SpanBatch batch;
            lock (_lock)
            {
                while (_items.Count == 0 && !_completed) Monitor.Wait(_lock);
                if (_items.Count == 0) yield break;
                batch = _items.Dequeue();
                Monitor.PulseAll(_lock);
            }
            yield return batch;
        }
    }

    public void CompleteAdding()
    {
        lock (_lock)
        {
            _completed = true;
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>Waits for a pulse under the lock. A cancellation pulses too: its callback takes the lock once this wait has released it.</summary>
    private void Wait(CancellationToken token)
    {
        token.ThrowIfCancellationRequested();
        if (!token.CanBeCanceled)
        {
            Monitor.Wait(_lock);
            return;
        }
        var registration = token.UnsafeRegister(static state =>
        {
            var queue = (SpanBatchQueue)state!;
            lock (queue._lock) Monitor.PulseAll(queue._lock);
        }, this);
        try
        {
            // Cancelled between the check and the registration: the callback ran on this thread already.
            if (!token.IsCancellationRequested) Monitor.Wait(_lock);
        }
        finally
        {
            // Unregister, not Dispose: Dispose waits for a running callback, which waits for the lock held here.
            registration.Unregister();
        }
        token.ThrowIfCancellationRequested();
    }
}
