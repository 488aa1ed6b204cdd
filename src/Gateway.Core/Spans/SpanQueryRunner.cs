using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using SQLitePCL;

namespace Gateway.Spans;

/// <summary>
/// Runs span queries on a few dedicated threads, each with its own read connection, so no request
/// thread ever waits inside SQLite: the request hands a query over and awaits its task. A query stops
/// when its caller goes away, when its time is up, or at shutdown: SQLite calls a progress handler
/// every <see cref="ProgressOps"/> VM instructions, and a non-zero answer fails the statement with
/// SQLITE_INTERRUPT. That is what <c>sqlite3_interrupt</c> does, without its race: an interrupt that
/// lands just before a statement starts is cleared by the start and lost, while the handler looks
/// at the state every time.
/// </summary>
internal sealed class SpanQueryRunner : IDisposable
{
    /// <summary>
    /// VM instructions between checks: some microseconds of work, so a stop lands at once; the check (a
    /// token, a flag, a timestamp) costs tens of nanoseconds.
    /// </summary>
    internal const int ProgressOps = 1_000;
    /// <summary>Queries that may wait per thread before new ones are turned away.</summary>
    internal const int WaitingPerWorker = 8;
    private const int SqliteInterrupt = 9;
    /// <summary>How long shutdown waits for a thread inside a statement; one still there closes its connection when it returns.</summary>
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(2);
    private static readonly delegate_progress s_progress = static state => ((SpanQueryGuard)state).ShouldStop() ? 1 : 0;

    private readonly string _connectionString;
    private readonly SpanStringCache _strings;
    private readonly int _workers;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly BlockingCollection<Job> _queue;
    private readonly CancellationTokenSource _stopping = new();
    private Thread[]? _threads;
    private int _running;
    private long _completed, _timedOut, _interrupted, _rejected;

    /// <param name="connectionString">Read-only access to the store; the runner opens one unpooled connection per thread.</param>
    /// <param name="strings">The store's <c>span_strings</c> cache, for the SQL functions that read attribute blobs.</param>
    public SpanQueryRunner(string connectionString, SpanStringCache strings, int workers, TimeSpan timeout, TimeProvider time, ILogger logger)
    {
        _strings = strings;
        // Unpooled: a connection carries this runner's progress handler and must not reach anyone else.
        _connectionString = new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString();
        _workers = workers;
        Timeout = timeout;
        _time = time;
        _logger = logger;
        _queue = new BlockingCollection<Job>(new ConcurrentQueue<Job>(), workers * WaitingPerWorker);
    }

    public TimeSpan Timeout { get; }

    /// <summary>Queries inside SQLite right now.</summary>
    public int Running => Volatile.Read(ref _running);
    public long Completed => Interlocked.Read(ref _completed);
    public long TimedOut => Interlocked.Read(ref _timedOut);
    /// <summary>Queries stopped or skipped because their caller went away.</summary>
    public long Interrupted => Interlocked.Read(ref _interrupted);
    /// <summary>Queries turned away because every thread was busy and the waiting line full.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Called on each new connection before its first query; tests add SQL functions here. Set before the first query.</summary>
    internal Action<SqliteConnection>? ConnectionOpened { get; set; }

    /// <summary>
    /// Hands a query to the query threads. The task ends with the result; with <see cref="TimeoutException"/>
    /// past <see cref="Timeout"/>; canceled when <paramref name="cancel"/> fires; with
    /// <see cref="ObjectDisposedException"/> at shutdown; or with the <see cref="SqliteException"/> of a failure.
    /// </summary>
    /// <returns>False, and no task, when every thread is busy and the waiting line is full.</returns>
    public bool TryRun(Func<SqliteConnection, SpanQueryResult> query, CancellationToken cancel, out Task<SpanQueryResult> result)
    {
        var deadline = _time.GetTimestamp() + (long)(Timeout.TotalSeconds * _time.TimestampFrequency);
        var job = new Job(query, cancel, deadline);
        result = job.Done.Task;
        if (_stopping.IsCancellationRequested)
        {
            job.Done.TrySetException(new ObjectDisposedException(nameof(SpanQueryRunner)));
            return true;
        }
        Start();
        try
        {
            if (_queue.TryAdd(job)) return true;
        }
        catch (InvalidOperationException)
        {
            // Shutdown closed the queue after the check above.
            job.Done.TrySetException(new ObjectDisposedException(nameof(SpanQueryRunner)));
            return true;
        }
        Interlocked.Increment(ref _rejected);
        result = null!;
        return false;
    }

    /// <summary>The threads start with the first query: a gateway nobody queries keeps no reader open.</summary>
    private void Start()
    {
        if (Volatile.Read(ref _threads) is not null) return;
        var threads = new Thread[_workers];
        for (var i = 0; i < threads.Length; i++)
        {
            threads[i] = new Thread(Work) { IsBackground = true, Name = "span-query-" + i };
        }
        if (Interlocked.CompareExchange(ref _threads, threads, null) is not null) return;
        foreach (var t in threads) t.Start();
    }

    private void Work()
    {
        var guard = new SpanQueryGuard(_time, _stopping.Token);
        SqliteConnection? connection = null;
        try
        {
            foreach (var job in _queue.GetConsumingEnumerable())
            {
                Run(job, guard, ref connection);
            }
        }
        finally
        {
            // Only this thread ever used it.
            connection?.Dispose();
        }
    }

    private void Run(Job job, SpanQueryGuard guard, ref SqliteConnection? connection)
    {
        // Checked before the query too: one that waited may already be over.
        switch (guard.Begin(job.Cancel, job.Deadline))
        {
            case SpanQueryStopReason.Shutdown:
                job.Done.TrySetException(new ObjectDisposedException(nameof(SpanQueryRunner)));
                return;
            case SpanQueryStopReason.CallerLeft:
                Interlocked.Increment(ref _interrupted);
                job.Done.TrySetCanceled(job.Cancel);
                return;
            case SpanQueryStopReason.TimedOut:
                Interlocked.Increment(ref _timedOut);
                job.Done.TrySetException(new TimeoutException());
                return;
        }
        var started = _time.GetTimestamp();
        Interlocked.Increment(ref _running);
        try
        {
            connection ??= Open(guard);
            var result = job.Query(connection);
            Interlocked.Increment(ref _completed);
            job.Done.TrySetResult(result);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == SqliteInterrupt)
        {
            var ms = (long)_time.GetElapsedTime(started).TotalMilliseconds;
            switch (guard.Reason)
            {
                case SpanQueryStopReason.CallerLeft:
                    Interlocked.Increment(ref _interrupted);
                    SpanStoreLog.QueryAbandoned(_logger, ms);
                    job.Done.TrySetCanceled(job.Cancel);
                    break;
                case SpanQueryStopReason.TimedOut:
                    Interlocked.Increment(ref _timedOut);
                    SpanStoreLog.QueryTimedOut(_logger, ms, (long)Timeout.TotalMilliseconds);
                    job.Done.TrySetException(new TimeoutException());
                    break;
                case SpanQueryStopReason.Shutdown:
                    job.Done.TrySetException(new ObjectDisposedException(nameof(SpanQueryRunner)));
                    break;
                default:
                    job.Done.TrySetException(e);
                    break;
            }
        }
        catch (Exception e)
        {
            job.Done.TrySetException(e);
        }
        finally
        {
            guard.End();
            Interlocked.Decrement(ref _running);
        }
    }

    private SqliteConnection Open(SpanQueryGuard guard)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            raw.sqlite3_progress_handler(connection.Handle, ProgressOps, s_progress, guard);
            SpanSqlFunctions.Register(connection, _strings);
            ConnectionOpened?.Invoke(connection);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Stops the threads: running queries stop at their next check and waiting ones are refused.
    /// Each thread closes its own connection on the way out.
    /// </summary>
    public void Dispose()
    {
        if (_stopping.IsCancellationRequested) return;
        _stopping.Cancel();
        _queue.CompleteAdding();
        foreach (var t in Volatile.Read(ref _threads) ?? []) t.Join(StopWait);
    }

    private sealed class Job(Func<SqliteConnection, SpanQueryResult> query, CancellationToken cancel, long deadline)
    {
        public Func<SqliteConnection, SpanQueryResult> Query { get; } = query;
        public CancellationToken Cancel { get; } = cancel;
        /// <summary>In <see cref="TimeProvider.GetTimestamp"/> units.</summary>
        public long Deadline { get; } = deadline;
        public TaskCompletionSource<SpanQueryResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
