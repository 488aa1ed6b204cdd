using System.Collections.Concurrent;
using System.Diagnostics;
using OpenTelemetry;

namespace Gateway.Tracing;

/// <summary>
/// Batches ended spans to an exporter on its own thread (DESIGN.md decision 5): the request path only
/// enqueues; when the queue is full the span is dropped and counted instead of waiting or growing.
/// The SDK's batch processor does the same but keeps its drop count internal; this one exposes it so the
/// gateway can log it (<see cref="ExportStats"/>). Subclassing <see cref="BaseExportProcessor{T}"/> keeps the
/// SDK wiring the exporter to the provider's resource (service.name).
/// </summary>
internal sealed class BoundedBatchExportProcessor : BaseExportProcessor<Activity>
{
    private readonly ConcurrentQueue<Activity> _queue = new();
    private readonly int _maxQueueSize;
    private readonly int _maxBatchSize;
    private readonly int _scheduleDelayMs;
    private readonly AutoResetEvent _wake = new(false);
    private readonly ManualResetEventSlim _drained = new(false);
    private readonly Thread _thread;
    private int _count;
    private volatile bool _stopping;
    private long _flushRequested;
    private long _flushCompleted;

    private readonly object? _owner;

    /// <param name="owner">When set, only span trees whose root carries this owner are exported; see <see cref="TracingListener.OwnerProperty"/>.</param>
    public BoundedBatchExportProcessor(BaseExporter<Activity> exporter, int maxQueueSize, int maxBatchSize, int scheduleDelayMs, ExportStats stats, object? owner = null)
        : base(exporter)
    {
        _owner = owner;
        _maxQueueSize = maxQueueSize;
        _maxBatchSize = Math.Min(maxBatchSize, maxQueueSize);
        _scheduleDelayMs = scheduleDelayMs;
        Stats = stats;
        _thread = new Thread(Run) { IsBackground = true, Name = "Gateway span export" };
        _thread.Start();
    }

    public ExportStats Stats { get; }

    /// <summary>Spans waiting for export.</summary>
    public int Queued => Volatile.Read(ref _count);

    protected override void OnExport(Activity data)
    {
        if (!data.Recorded || !Owned(data)) return;
        if (Interlocked.Increment(ref _count) > _maxQueueSize)
        {
            Interlocked.Decrement(ref _count);
            Stats.Dropped();
            return;
        }
        _queue.Enqueue(data);
        if (Volatile.Read(ref _count) >= _maxBatchSize) _wake.Set();
    }

    private bool Owned(Activity activity) => TracingListener.IsOwnedBy(activity, _owner);

    protected override bool OnForceFlush(int timeoutMilliseconds)
    {
        var target = Interlocked.Increment(ref _flushRequested);
        _wake.Set();
        var sw = Stopwatch.StartNew();
        while (Interlocked.Read(ref _flushCompleted) < target)
        {
            var left = timeoutMilliseconds == Timeout.Infinite ? 50 : timeoutMilliseconds - (int)sw.ElapsedMilliseconds;
            if (left <= 0 || !_thread.IsAlive) return false;
            _drained.Wait(Math.Min(left, 50));
            _drained.Reset();
        }
        return exporter.ForceFlush(timeoutMilliseconds);
    }

    protected override bool OnShutdown(int timeoutMilliseconds)
    {
        _stopping = true;
        _wake.Set();
        var finished = _thread.Join(timeoutMilliseconds == Timeout.Infinite ? Timeout.Infinite : Math.Max(timeoutMilliseconds, 1));
        if (!finished)
        {
            // The collector hangs: cancel its pending request so the thread ends, and count what is left as dropped.
            exporter.Shutdown(0);
            _thread.Join(1000);
            Stats.Dropped(Interlocked.Exchange(ref _count, 0));
            Stats.Report(force: true);
            return false;
        }
        return exporter.Shutdown(timeoutMilliseconds);
    }

    private void Run()
    {
        var batch = new Activity[_maxBatchSize];
        while (true)
        {
            var stopping = _stopping;
            if (!stopping && Volatile.Read(ref _count) < _maxBatchSize && Interlocked.Read(ref _flushRequested) == Interlocked.Read(ref _flushCompleted))
            {
                _wake.WaitOne(_scheduleDelayMs);
                stopping = _stopping;
            }
            var flushTarget = Interlocked.Read(ref _flushRequested);
            // Drain everything queued so far, batch by batch.
            while (true)
            {
                var n = 0;
                while (n < batch.Length && _queue.TryDequeue(out var activity))
                {
                    batch[n++] = activity;
                }
                if (n == 0) break;
                Interlocked.Add(ref _count, -n);
                ExportBatch(batch, n);
                Array.Clear(batch, 0, n);
                if (n < batch.Length) break;
            }
            Interlocked.Exchange(ref _flushCompleted, flushTarget);
            _drained.Set();
            Stats.Report(force: stopping);
            if (stopping && _queue.IsEmpty) return;
        }
    }

    private void ExportBatch(Activity[] batch, int n)
    {
        ExportResult result;
        try
        {
            result = exporter.Export(new Batch<Activity>(batch, n));
        }
        catch (Exception e)
        {
            // An exporter must not throw, but a bug there must not end the export thread either.
            Stats.Failed(n, e.Message);
            return;
        }
        if (result == ExportResult.Success) Stats.Exported(n);
        else Stats.Failed(n, null);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && !_thread.IsAlive)
        {
            _wake.Dispose();
            _drained.Dispose();
        }
    }
}
