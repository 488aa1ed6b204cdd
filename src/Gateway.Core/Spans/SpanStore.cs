using System.Diagnostics;
using System.Threading.Channels;
using Gateway.Config;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Gateway.Spans;

/// <summary>
/// The embedded span store: a SQLite file in WAL mode, fed by one writer thread that drains a bounded
/// queue in batched transactions. Enqueueing never waits: when the queue is full the span is
/// dropped and counted (DESIGN.md decision 5). Readers open their own pooled connections; WAL lets
/// them read while the writer writes. The write connection belongs to the writer thread: it is the only
/// thread that uses it, and it closes it when it stops, so shutdown never pulls it from under a write.
/// </summary>
/// <remarks>
/// The writer is a thread of its own, not a thread-pool task: at saturation the pool's queues are full of
/// request work, and a writer continuation queued behind them fell behind until the span queue overflowed
/// (bench/load/RESULTS.md, span store soak). Its own thread gets the scheduler's share like any other, and
/// its blocking SQLite calls never hold a pool thread.
/// </remarks>
internal sealed class SpanStore : IAsyncDisposable
{
    /// <summary>
    /// Spans per transaction at most: one WAL commit amortized over this many rows. A commit writes every
    /// page the batch touched, and the trace-id index's pages are touched at random, so the bigger the
    /// batch, the fewer times each of them is written: at 600,000 spans 8,192 wrote 1.7 KB per span where
    /// 2,048 wrote 2.8 KB (16,384: 1.3 KB, for twice the activities held; bench/spans/RESULTS.md, issue #11).
    /// Batches are this big only when the queue is this deep.
    /// </summary>
    internal const int BatchSize = 8192;
    /// <summary>Rows per retention DELETE, so one pass never holds the writer for long.</summary>
    internal const int RetentionChunk = 10_000;
    private const int RetentionChunksPerPass = 20;
    /// <summary>How long shutdown waits for a stopped writer to let go of the file before leaving it to close on its own.</summary>
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(1);

    private readonly Channel<SpanStoreItem> _queue;
    private readonly SqliteConnection _writer;
    private readonly SpanRowWriter _rows;
    private readonly SpanRecordConverter _converter;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ITimer? _retentionTimer;
    private readonly Thread _writerThread;
    private readonly TaskCompletionSource _writerStopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<SpanRow> _batch = new(BatchSize);
    private readonly List<TaskCompletionSource> _flushes = [];
    /// <summary>Set by shutdown when the queue did not drain in time: the writer stops at its next row.</summary>
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeSpan _shutdownWait;
    private int _inBatch;
    private long _enqueued, _dropped, _droppedLogged, _written, _failed, _retained;
    private long _droppedLoggedAt;

    private SpanStore(SpanStoreConfig options, string fullPath, SpanRecordConverter converter, ILogger logger, TimeProvider time, TimeSpan retentionInterval, TimeSpan shutdownWait)
    {
        Options = options;
        _shutdownWait = shutdownWait;
        FullPath = fullPath;
        _converter = converter;
        _logger = logger;
        _time = time;
        ReaderConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWrite,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
        }.ToString();
        _writer = SpanStoreFile.OpenWriter(fullPath, logger);
        try
        {
            _rows = new SpanRowWriter(_writer);
        }
        catch
        {
            _writer.Dispose();
            throw;
        }
        _queue = Channel.CreateBounded<SpanStoreItem>(new BoundedChannelOptions(options.QueueCapacity)
        {
            // Wait mode makes TryWrite return false when full, which is what lets us count drops;
            // nothing ever waits on it except FlushAsync and DisposeAsync.
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
        _writerThread = new Thread(WriteLoop) { Name = "span store writer", IsBackground = true };
        _writerThread.Start();
        if (retentionInterval > TimeSpan.Zero && (options.RetentionDays > 0 || options.MaxRows > 0))
        {
            _retentionTimer = time.CreateTimer(static s => ((SpanStore)s!).RequestRetention(), this, TimeSpan.FromSeconds(1), retentionInterval);
        }
        Queries = new SpanQueryRunner(ReaderConnectionString, Strings, options.QueryWorkers, TimeSpan.FromMilliseconds(options.QueryTimeoutMs), time, logger);
        SpanStoreLog.Opened(logger, fullPath, options.QueueCapacity, options.RetentionDays, options.MaxRows);
    }

    /// <param name="retentionInterval">How often retention runs; <see cref="TimeSpan.Zero"/> for never (tests call <see cref="RunRetentionAsync"/>).</param>
    /// <param name="shutdownWait">How long <see cref="DisposeAsync"/> lets the writer drain the queue (default 10 s).</param>
    public static SpanStore Open(SpanStoreConfig options, SpanRecordConverter converter, ILogger logger, TimeProvider? time = null, TimeSpan? retentionInterval = null, TimeSpan? shutdownWait = null)
    {
        SqliteInit.EnsureInitialized();
        var fullPath = Path.GetFullPath(options.Path);
        var directory = Path.GetDirectoryName(fullPath);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        return new SpanStore(options, fullPath, converter, logger, time ?? TimeProvider.System, retentionInterval ?? TimeSpan.FromMinutes(1), shutdownWait ?? TimeSpan.FromSeconds(10));
    }

    public SpanStoreConfig Options { get; }
    public string FullPath { get; }
    public string ReaderConnectionString { get; }
    public SpanRecordConverter Converter => _converter;
    /// <summary>The readers' cache of <c>span_strings</c>: the keys of the attribute blobs queries decode.</summary>
    public SpanStringCache Strings { get; } = new();
    /// <summary>Where queries run: off the request threads, each stopped by its caller leaving or its time limit.</summary>
    public SpanQueryRunner Queries { get; }

    public long Enqueued => Interlocked.Read(ref _enqueued);
    public long Dropped => Interlocked.Read(ref _dropped);
    public long Written => Interlocked.Read(ref _written);
    /// <summary>Spans lost to a failed write (disk full, file removed).</summary>
    public long Failed => Interlocked.Read(ref _failed);
    public long Retained => Interlocked.Read(ref _retained);

    /// <summary>The writer is inside a batch (between BEGIN and COMMIT).</summary>
    internal bool InBatch => Volatile.Read(ref _inBatch) != 0;

    /// <summary>Completes when the writer has stopped and closed the write connection.</summary>
    internal Task WriterStopped => _writerStopped.Task;

    /// <summary>Queues a finished activity; false (and counted) when the queue is full. Never waits.</summary>
    public bool TryEnqueue(Activity activity) => TryEnqueue(new SpanStoreItem { Activity = activity });

    public bool TryEnqueue(SpanRecord record) => TryEnqueue(new SpanStoreItem { Record = record });

    private bool TryEnqueue(in SpanStoreItem item)
    {
        if (_queue.Writer.TryWrite(item))
        {
            Interlocked.Increment(ref _enqueued);
            return true;
        }
        Interlocked.Increment(ref _dropped);
        return false;
    }

    /// <summary>Completes once every span queued before the call is written (or failed). Waits for room; not for the request path.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _queue.Writer.WriteAsync(new SpanStoreItem { Flushed = done }, cancellationToken).ConfigureAwait(false);
        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a retention pass on the writer now and waits for it.</summary>
    public async Task RunRetentionAsync(CancellationToken cancellationToken = default)
    {
        await _queue.Writer.WriteAsync(new SpanStoreItem { Retention = true }, cancellationToken).ConfigureAwait(false);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A pooled read connection with the store's SQL functions (<see cref="SpanSqlFunctions"/>); the caller disposes it.</summary>
    public SqliteConnection OpenReader()
    {
        var connection = new SqliteConnection(ReaderConnectionString);
        try
        {
            connection.Open();
            SpanSqlFunctions.Register(connection, Strings);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void RequestRetention() => _queue.Writer.TryWrite(new SpanStoreItem { Retention = true });

    private void WriteLoop()
    {
        try
        {
            DrainQueue();
        }
        catch (Exception e)
        {
            // A thread of its own: an exception that escaped would end the process. Spans queued from
            // now on are dropped and counted, as when the writer cannot keep up.
            SpanStoreLog.WriterFailed(_logger, e);
            _queue.Writer.TryComplete();
        }
        finally
        {
            // Here and nowhere else: no other thread can be using the connection.
            _rows.Dispose();
            _writer.Dispose();
            _writerStopped.TrySetResult();
        }
    }

    private void DrainQueue()
    {
        var reader = _queue.Reader;
        while (!_stop.IsCancellationRequested && WaitToRead(reader))
        {
            var retention = false;
            while (_batch.Count < BatchSize && reader.TryRead(out var item))
            {
                if (item.Flushed is not null)
                {
                    _flushes.Add(item.Flushed);
                    // Markers queued after the spans they wait for: write what came before first.
                    break;
                }
                if (item.Retention)
                {
                    retention = true;
                    break;
                }
                try
                {
                    _batch.Add(item.Activity is not null ? _converter.Convert(item.Activity) : SpanRecordConverter.FromRecord(item.Record!));
                }
                catch (Exception e)
                {
                    Interlocked.Increment(ref _failed);
                    SpanStoreLog.ConvertFailed(_logger, e);
                }
            }
            if (_batch.Count > 0) WriteBatch();
            if (retention) RunRetention();
            foreach (var f in _flushes) f.TrySetResult();
            _flushes.Clear();
            var dropped = Dropped;
            // One warning per 10 s at most: a store that cannot keep up must not also flood the log.
            if (dropped > _droppedLogged && Stopwatch.GetElapsedTime(_droppedLoggedAt) > TimeSpan.FromSeconds(10))
            {
                _droppedLogged = dropped;
                _droppedLoggedAt = Stopwatch.GetTimestamp();
                SpanStoreLog.Dropping(_logger, dropped);
            }
        }
        if (_stop.IsCancellationRequested) AbandonQueue(reader);
    }

    /// <summary>Blocks the writer thread until an item is queued (true) or the queue is completed or stopped (false).</summary>
    private bool WaitToRead(ChannelReader<SpanStoreItem> reader)
    {
        var wait = reader.WaitToReadAsync(_stop.Token);
        if (wait.IsCompletedSuccessfully) return wait.Result;
        try
        {
            return wait.AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Shutdown ran out of time: what is still queued is counted as dropped, and flush waiters are let go.</summary>
    private void AbandonQueue(ChannelReader<SpanStoreItem> reader)
    {
        long abandoned = 0;
        while (reader.TryRead(out var item))
        {
            if (item.Flushed is not null) _flushes.Add(item.Flushed);
            else if (item.Activity is not null || item.Record is not null) abandoned++;
        }
        foreach (var f in _flushes) f.TrySetResult();
        _flushes.Clear();
        if (abandoned == 0) return;
        Interlocked.Add(ref _dropped, abandoned);
        SpanStoreLog.AbandonedAtShutdown(_logger, abandoned);
    }

    private void WriteBatch()
    {
        Volatile.Write(ref _inBatch, 1);
        var committed = false;
        try
        {
            using var tx = _writer.BeginTransaction();
            // Shutdown gave up waiting: stop between rows and roll back rather than hold the file open.
            _rows.Write(_batch, tx, _stop.Token);
            tx.Commit();
            committed = true;
            _rows.Committed();
            Interlocked.Add(ref _written, _batch.Count);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Add(ref _dropped, _batch.Count);
            SpanStoreLog.AbandonedAtShutdown(_logger, _batch.Count);
        }
        catch (Exception e) when (e is SqliteException or InvalidOperationException or IOException or FormatException)
        {
            Interlocked.Add(ref _failed, _batch.Count);
            SpanStoreLog.WriteFailed(_logger, _batch.Count, e);
        }
        finally
        {
            // The strings and ids the batch took are free again.
            if (!committed) _rows.RolledBack();
            _batch.Clear();
            Volatile.Write(ref _inBatch, 0);
        }
    }

    /// <summary>
    /// Deletes spans older than retention_days (by start time) and beyond max_rows (oldest written
    /// first), in chunks; a pass that leaves work queues another so spans keep flowing in between.
    /// </summary>
    private void RunRetention()
    {
        long deleted = 0;
        var more = false;
        try
        {
            using var cmd = _writer.CreateCommand();
            if (Options.RetentionDays > 0)
            {
                var cutoff = UnixTime.ToNanos(_time.GetUtcNow()) - Options.RetentionDays * TimeSpan.TicksPerDay * 100;
                var projects = new List<long>();
                cmd.CommandText = SpanStoreSchema.ProjectIds;
                using (var reader = cmd.ExecuteReader())
                {
                    while (reader.Read()) projects.Add(reader.GetInt64(0));
                }
                cmd.CommandText = $"DELETE FROM spans WHERE id IN (SELECT id FROM spans WHERE project = $project AND start_time_ns < $cutoff LIMIT {RetentionChunk})";
                var project = cmd.Parameters.Add("$project", SqliteType.Integer);
                cmd.Parameters.AddWithValue("$cutoff", cutoff);
                foreach (var p in projects)
                {
                    project.Value = p;
                    more |= DeleteChunks(cmd, ref deleted);
                }
            }
            if (Options.MaxRows > 0 && !more)
            {
                cmd.Parameters.Clear();
                // Ids only grow, so max(id) - max_rows is where the newest max_rows begin; gaps left by
                // age retention only make the store keep fewer rows than the limit, never more.
                cmd.CommandText = $"DELETE FROM spans WHERE id IN (SELECT id FROM spans WHERE id <= (SELECT max(id) FROM spans) - $max ORDER BY id LIMIT {RetentionChunk})";
                cmd.Parameters.AddWithValue("$max", Options.MaxRows);
                more = DeleteChunks(cmd, ref deleted);
            }
        }
        catch (Exception e) when (e is SqliteException or InvalidOperationException)
        {
            SpanStoreLog.RetentionFailed(_logger, e);
        }
        if (deleted > 0)
        {
            Interlocked.Add(ref _retained, deleted);
            SpanStoreLog.Retained(_logger, deleted);
        }
        if (more) RequestRetention();
    }

    /// <returns>True when the pass stopped with rows still to delete.</returns>
    private bool DeleteChunks(SqliteCommand cmd, ref long deleted)
    {
        for (var i = 0; i < RetentionChunksPerPass && !_stop.IsCancellationRequested; i++)
        {
            var n = cmd.ExecuteNonQuery();
            deleted += n;
            if (n < RetentionChunk) return false;
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        Queries.Dispose();
        _retentionTimer?.Dispose();
        _queue.Writer.TryComplete();
        // Spans already queued are written before the file closes; a stuck disk does not hold shutdown forever.
        if (!await WriterStoppedWithin(_shutdownWait).ConfigureAwait(false))
        {
            // The writer stops at its next row and closes the connection itself. One blocked inside a
            // statement (a lock held by another process) keeps the file open until that returns; closing
            // it from here would pull the connection from under the statement.
            _stop.Cancel();
            if (!await WriterStoppedWithin(StopWait).ConfigureAwait(false)) SpanStoreLog.WriterStillBusy(_logger, (_shutdownWait + StopWait).TotalSeconds);
        }
        // The totals of the run: what the load harness reads to say whether the store kept up.
        SpanStoreLog.Closed(_logger, Written, Dropped, Failed);
        using (var probe = new SqliteConnection(ReaderConnectionString))
        {
            SqliteConnection.ClearPool(probe);
        }
    }

    private async Task<bool> WriterStoppedWithin(TimeSpan wait)
    {
        var stopped = _writerStopped.Task;
        await stopped.WaitAsync(wait, _time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return stopped.IsCompleted;
    }
}
