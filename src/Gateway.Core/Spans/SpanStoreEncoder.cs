using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Gateway.Spans;

/// <summary>
/// The span store's encoder thread: takes spans off the queue, converts and encodes each into the batch
/// being filled (<see cref="SpanBatchEncoder"/>), and hands the batch to the writer thread
/// (<see cref="SpanStoreWriter"/>) once the writer has taken the previous one and the batch is
/// <see cref="MinBatchAge"/> old, or when it is full.
/// So the writer inserts one batch while the next is encoded, and a batch holds what came while the writer
/// was busy: small when the store is idle, up to <see cref="SpanStore.BatchSize"/> when it is loaded. A span
/// may wait for its parent (<see cref="SpanBatchEncoder.MaxHold"/>), so a request's spans share a batch. A
/// flush or retention marker ends its batch, so it takes effect after the spans queued before it.
/// </summary>
internal sealed class SpanStoreEncoder(
    ChannelReader<SpanStoreItem> queue,
    SpanRecordConverter converter,
    SpanBatchEncoder encoder,
    SpanBatchQueue free,
    SpanBatchQueue handoff,
    SpanStoreCounters counters,
    SpanStoreWake wake,
    ILogger logger,
    CancellationToken stop,
    CancellationToken writerGone)
{
    /// <summary>How long a filled batch waits for the writer before the encoder looks again (the writer does not signal).</summary>
    private static readonly TimeSpan WriterPoll = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// The pause between two looks at the queue while spans keep coming. Nobody signals a napping encoder, so
    /// at load the encoder wakes at most this often (not once per span) and each look takes more spans.
    /// </summary>
    private static readonly TimeSpan Nap = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// How long a batch collects spans at least before the writer gets it, unless a marker ends it or it is full. Each
    /// commit rewrites the last, partly filled page of the table and of each index whatever it adds: committed every
    /// millisecond at load, that was most of what the writer wrote.
    /// </summary>
    internal static readonly TimeSpan MinBatchAge = TimeSpan.FromMilliseconds(30);

    /// <summary>When the batch being filled got its first row (Stopwatch ticks), 0 while it has none.</summary>
    private long _firstRowAt;

    private readonly CancellationTokenSource _blocked = CancellationTokenSource.CreateLinkedTokenSource(stop, writerGone);

    /// <summary>The last look at the queue found something: spans are coming, nap instead of sleeping.</summary>
    private bool _busy;

    /// <summary><see cref="HasWork"/> as a delegate, made once (a field initializer cannot take an instance method).</summary>
    private Func<bool>? _hasWork;

    public void Run()
    {
        try
        {
            Drain();
        }
        catch (Exception e)
        {
            // A thread of its own: an exception that escaped would end the process. Spans queued from now on
            // are dropped and counted, as when the store cannot keep up.
            SpanStoreLog.WriterFailed(logger, e);
        }
        finally
        {
            handoff.CompleteAdding();
            _blocked.Dispose();
        }
    }

    private void Drain()
    {
        SpanBatch? batch = null;
        var open = true;
        while (!_blocked.IsCancellationRequested)
        {
            batch ??= Take();
            if (batch is null) break;
            var cut = Fill(batch);
            // A marker, or the end of the queue, lets no span wait: the flush is for what came before it.
            encoder.ReleaseWaiting(batch, all: cut || !open);
            var pending = batch.Rows.Count > 0 || batch.Flushes.Count > 0 || batch.Retention;
            // The writer has taken the last batch (the slot is free) and this one is MinBatchAge old: it gets
            // this one now. A full batch, one a marker ended, or the last one (the queue is done) goes at once,
            // waiting for the slot if need be; an open one keeps filling meanwhile.
            if (batch.Rows.Count > 0 && _firstRowAt == 0) _firstRowAt = Stopwatch.GetTimestamp();
            var aged = batch.Rows.Count == 0 || Stopwatch.GetElapsedTime(_firstRowAt) >= MinBatchAge;
            if (pending && ((handoff.Count == 0 && aged) || cut || !open || batch.Rows.Count >= SpanStore.BatchSize))
            {
                if (!HandOff(batch)) break;
                batch = null;
                _firstRowAt = 0;
                continue;
            }
            if (!open) break;
            open = WaitToRead(pending || encoder.Held > 0 ? WriterPoll : Timeout.InfiniteTimeSpan);
        }
        if (batch is not null && _blocked.IsCancellationRequested) Abandon(batch);
        if (_blocked.IsCancellationRequested) Abandon();
    }

    /// <summary>A free batch, or null when shutdown stopped the store or the writer is gone.</summary>
    private SpanBatch? Take()
    {
        try
        {
            return free.Take(_blocked.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Moves what the queue holds into the batch; true when a marker ends the batch.</summary>
    private bool Fill(SpanBatch batch)
    {
        while (batch.Rows.Count < SpanStore.BatchSize && !stop.IsCancellationRequested && queue.TryRead(out var item))
        {
            _busy = true;
            if (item.Flushed is not null)
            {
                batch.Flushes.Add(item.Flushed);
                // Markers queued after the spans they wait for: write what came before first.
                return true;
            }
            if (item.Retention)
            {
                batch.Retention = true;
                return true;
            }
            try
            {
                encoder.Add(batch, item.Activity is not null ? converter.Convert(item.Activity) : SpanRecordConverter.FromRecord(item.Record!));
            }
            catch (Exception e)
            {
                counters.Fail(1);
                SpanStoreLog.ConvertFailed(logger, e);
            }
        }
        return false;
    }

    /// <summary>Gives the batch its ids and the writer; false when shutdown stopped the store or the writer is gone.</summary>
    private bool HandOff(SpanBatch batch)
    {
        encoder.Finish(batch);
        try
        {
            handoff.Add(batch, _blocked.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            Abandon(batch);
            return false;
        }
    }

    /// <summary>
    /// Waits for the next look at the queue: a nap while spans keep coming, otherwise a sleep until one is
    /// queued or <paramref name="wait"/> is over. False when the queue is completed and empty or the store stopped.
    /// </summary>
    private bool WaitToRead(TimeSpan wait)
    {
        if (_busy)
        {
            _busy = false;
            // Infinite is -1 ms: a nap is the shorter of the two only for a real wait.
            _blocked.Token.WaitHandle.WaitOne(wait >= TimeSpan.Zero && wait < Nap ? wait : Nap);
        }
        else
        {
            wake.Sleep(wait, _hasWork ??= HasWork, _blocked.Token);
        }
        return !_blocked.IsCancellationRequested && !queue.Completion.IsCompleted;
    }

    private bool HasWork() => queue.TryPeek(out _) || queue.Completion.IsCompleted || _blocked.IsCancellationRequested;

    private void Abandon(SpanBatch batch)
    {
        counters.Drop(batch.Rows.Count);
        foreach (var f in batch.Flushes) f.TrySetResult();
        batch.Clear();
    }

    /// <summary>Shutdown ran out of time (or the writer is gone): what is still queued is counted as dropped, and flush waiters are let go.</summary>
    private void Abandon()
    {
        long abandoned = 0;
        while (queue.TryRead(out var item))
        {
            if (item.Flushed is not null) item.Flushed.TrySetResult();
            else if (item.Activity is not null || item.Record is not null) abandoned++;
        }
        if (abandoned == 0) return;
        counters.Drop(abandoned);
        SpanStoreLog.AbandonedAtShutdown(logger, abandoned);
    }
}
