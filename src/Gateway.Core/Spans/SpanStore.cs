using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Gateway.Config;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Gateway.Spans;

/// <summary>
/// The embedded span store: a SQLite file in WAL mode, fed by a bounded queue. Enqueueing never waits:
/// when the queue is full the span is dropped and counted (DESIGN.md decision 5). Two threads of the
/// store's own empty it: the encoder (<see cref="SpanStoreEncoder"/>) converts and encodes batches, the
/// writer (<see cref="SpanStoreWriter"/>) inserts each in one transaction while the next is encoded.
/// Readers open their own connections; WAL lets them read while the writer writes.
/// </summary>
/// <remarks>
/// Threads of their own, not thread-pool tasks: at saturation the pool's queues are full of request work,
/// and a writer continuation queued behind them fell behind until the span queue overflowed. Each thread
/// gets the scheduler's share like any other, so two of them get the store twice the CPU of one when the
/// requests keep every core busy: one writer thread wrote 13,000 spans a second and dropped a tenth at the
/// gateway's saturation (bench/spans/RESULTS.md, issue #11). Their blocking calls never hold a pool thread.
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
    /// <summary>Batches in use at once: one filling on the encoder, one waiting, one being written.</summary>
    private const int Batches = 3;
    /// <summary>How long shutdown waits for a stopped writer to let go of the file before leaving it to close on its own.</summary>
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(1);

    private readonly Channel<SpanStoreItem> _queue;
    private readonly SpanStoreWake _wake = new();
    private readonly SpanStoreCounters _counters = new();
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ITimer? _retentionTimer;
    private readonly SpanStoreWriter _writer;
    private readonly SpanBatchEncoder _encoder;
    private readonly TaskCompletionSource _writerStopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    /// <summary>Set by shutdown when the queue did not drain in time: both threads stop at their next row.</summary>
    private readonly CancellationTokenSource _stop = new();
    /// <summary>Set when the writer thread ends: the encoder stops handing it batches.</summary>
    private readonly CancellationTokenSource _writerGone = new();
    private readonly TimeSpan _shutdownWait;
    /// <summary>This store's claim on the file; released by the writer once it has closed its connection.</summary>
    private readonly SpanStoreLock _fileLock;

    private SpanStore(SpanStoreConfig options, string fullPath, SpanStoreLock fileLock, SpanRecordConverter converter, ILogger logger, TimeProvider time, TimeSpan retentionInterval, TimeSpan shutdownWait)
    {
        Options = options;
        _fileLock = fileLock;
        _shutdownWait = shutdownWait;
        FullPath = fullPath;
        Converter = converter;
        _logger = logger;
        _time = time;
        ReaderConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWrite,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
        }.ToString();
        _queue = Channel.CreateBounded<SpanStoreItem>(new BoundedChannelOptions(options.QueueCapacity)
        {
            // Wait mode makes TryWrite return false when full, which is what lets us count drops;
            // nothing ever waits on it except FlushAsync and DisposeAsync.
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
        var connection = SpanStoreFile.OpenWriter(fullPath, logger);
        SpanRowWriter rows;
        SpanBatchEncoder encoder;
        try
        {
            rows = new SpanRowWriter(connection);
            encoder = new SpanBatchEncoder(SpanStringTable.Load(connection), SpanRowWriter.NextId(connection), time);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        var free = new SpanBatchQueue();
        for (var i = 0; i < Batches; i++) free.Add(new SpanBatch());
        // One batch waits while one is written: the encoder is at most one batch ahead.
        var handoff = new SpanBatchQueue(1);
        _writer = new SpanStoreWriter(connection, rows, handoff, free, _counters, options, time, logger, RequestRetention, _stop.Token);
        _encoder = encoder;
        var encoderLoop = new SpanStoreEncoder(_queue.Reader, converter, encoder, free, handoff, _counters, _wake, logger, _stop.Token, _writerGone.Token);
        new Thread(encoderLoop.Run) { Name = "span store encoder", IsBackground = true }.Start();
        new Thread(() => WriteLoop(connection, rows)) { Name = "span store writer", IsBackground = true }.Start();
        if (retentionInterval > TimeSpan.Zero && (options.RetentionDays > 0 || options.MaxRows > 0))
        {
            _retentionTimer = time.CreateTimer(static s => ((SpanStore)s!).RequestRetention(), this, TimeSpan.FromSeconds(1), retentionInterval);
        }
        Queries = new SpanQueryRunner(ReaderConnectionString, Strings, options.QueryWorkers, TimeSpan.FromMilliseconds(options.QueryTimeoutMs), time, logger);
        SpanStoreLog.Opened(logger, fullPath, options.QueueCapacity, options.RetentionDays, options.MaxRows);
    }

    /// <param name="retentionInterval">How often retention runs; <see cref="TimeSpan.Zero"/> for never (tests call <see cref="RunRetentionAsync"/>).</param>
    /// <param name="shutdownWait">How long <see cref="DisposeAsync"/> lets the writer drain the queue (default 10 s).</param>
    /// <exception cref="ConfigException">Another gateway writes to the file (<see cref="SpanStoreLock"/>).</exception>
    public static SpanStore Open(SpanStoreConfig options, SpanRecordConverter converter, ILogger logger, TimeProvider? time = null, TimeSpan? retentionInterval = null, TimeSpan? shutdownWait = null)
    {
        SqliteInit.EnsureInitialized();
        var fullPath = Path.GetFullPath(options.Path);
        var directory = Path.GetDirectoryName(fullPath);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        // Before the file is opened: an older file is moved aside at open, which must not happen under another writer.
        var fileLock = SpanStoreLock.Acquire(fullPath);
        try
        {
            return new SpanStore(options, fullPath, fileLock, converter, logger, time ?? TimeProvider.System, retentionInterval ?? TimeSpan.FromMinutes(1), shutdownWait ?? TimeSpan.FromSeconds(10));
        }
        catch
        {
            fileLock.Dispose();
            throw;
        }
    }

    public SpanStoreConfig Options { get; }
    public string FullPath { get; }
    public string ReaderConnectionString { get; }
    public SpanRecordConverter Converter { get; }
    /// <summary>The readers' cache of <c>span_strings</c>: the keys of the attribute blobs queries decode.</summary>
    public SpanStringCache Strings { get; } = new();
    /// <summary>Where queries run: off the request threads, each stopped by its caller leaving or its time limit.</summary>
    public SpanQueryRunner Queries { get; }

    public long Enqueued => _counters.Enqueued;
    public long Dropped => _counters.Dropped;
    public long Written => _counters.Written;
    /// <summary>Spans lost to a failed write (disk full, file removed).</summary>
    public long Failed => _counters.Failed;
    public long Retained => _counters.Retained;

    /// <summary>Spans the encoder holds until their parent comes (<see cref="SpanBatchEncoder.MaxHold"/>).</summary>
    internal int Waiting => _encoder.Held;

    /// <summary>The writer is inside a batch (between BEGIN and COMMIT).</summary>
    internal bool InBatch => _writer.InBatch;

    /// <summary>Completes when the writer has stopped and closed the write connection.</summary>
    internal Task WriterStopped => _writerStopped.Task;

    /// <summary>Queues a finished activity; false (and counted) when the queue is full. Never waits.</summary>
    public bool TryEnqueue(Activity activity) => TryEnqueue(new SpanStoreItem { Activity = activity });

    public bool TryEnqueue(SpanRecord record) => TryEnqueue(new SpanStoreItem { Record = record });

    private bool TryEnqueue(in SpanStoreItem item)
    {
        if (_queue.Writer.TryWrite(item))
        {
            _counters.Enqueue();
            _wake.Notify();
            return true;
        }
        _counters.Drop(1);
        return false;
    }

    /// <summary>Completes once every span queued before the call is written (or failed). Waits for room; not for the request path.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _queue.Writer.WriteAsync(new SpanStoreItem { Flushed = done }, cancellationToken).ConfigureAwait(false);
        _wake.Notify();
        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a retention pass on the writer now and waits for it.</summary>
    public async Task RunRetentionAsync(CancellationToken cancellationToken = default)
    {
        await _queue.Writer.WriteAsync(new SpanStoreItem { Retention = true }, cancellationToken).ConfigureAwait(false);
        _wake.Notify();
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

    private void RequestRetention()
    {
        if (_queue.Writer.TryWrite(new SpanStoreItem { Retention = true })) _wake.Notify();
    }

    private void WriteLoop(SqliteConnection connection, SpanRowWriter rows)
    {
        try
        {
            _writer.Run();
        }
        catch (Exception e)
        {
            // A thread of its own: an exception that escaped would end the process. Spans queued from
            // now on are dropped and counted, as when the store cannot keep up.
            SpanStoreLog.WriterFailed(_logger, e);
            _queue.Writer.TryComplete();
            _wake.Notify();
        }
        finally
        {
            _writerGone.Cancel();
            // Here and nowhere else: no other thread can be using the connection.
            rows.Dispose();
            connection.Dispose();
            // Not before: until the connection is closed this store may still write.
            _fileLock.Dispose();
            _writerStopped.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Queries.Dispose();
        _retentionTimer?.Dispose();
        _queue.Writer.TryComplete();
        _wake.Notify();
        // Spans already queued are written before the file closes; a stuck disk does not hold shutdown forever.
        if (!await WriterStoppedWithin(_shutdownWait).ConfigureAwait(false))
        {
            // The threads stop at their next row and the writer closes the connection itself. One blocked
            // inside a statement (a lock held by another process) keeps the file open until that returns;
            // closing it from here would pull the connection from under the statement.
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
