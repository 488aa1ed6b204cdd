using Gateway.Spans;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests.Spans;

/// <summary>
/// Issue #9 item 10: queries run on the runner's own threads, and stop when their caller leaves,
/// when their time is up, or at shutdown. The slow query here has no end at all, so only a stop can
/// finish it.
/// </summary>
public sealed class SpanQueryRunnerTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private SpanTestStore _s = null!;

    public Task InitializeAsync()
    {
        _s = SpanTestStore.Open();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _s.DisposeAsync();

    private SpanQueryRunner Runner(int workers = 2, TimeSpan? timeout = null) =>
        new(_s.Store.ReaderConnectionString, _s.Store.Strings, workers, timeout ?? TimeSpan.FromMinutes(10), TimeProvider.System, NullLogger.Instance);

    /// <summary>Counts without end: only an interrupt stops it.</summary>
    private static SpanQueryResult Forever(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n";
        command.ExecuteScalar();
        throw new InvalidOperationException("unreachable: the query has no end");
    }

    private static SpanQueryResult Quick(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM spans";
        command.ExecuteScalar();
        return new SpanQueryResult([], null);
    }

    [Fact]
    public async Task Queries_run_on_the_query_threads_not_the_callers()
    {
        using var runner = Runner();
        string? thread = null;
        Assert.True(runner.TryRun(c =>
        {
            thread = Thread.CurrentThread.Name;
            return Quick(c);
        }, default, out var task));
        await task.WaitAsync(Patience);
        Assert.StartsWith("span-query-", thread);
        Assert.Equal(1, runner.Completed);
    }

    [Fact]
    public async Task A_query_past_its_time_limit_is_stopped_and_the_thread_serves_the_next()
    {
        using var runner = Runner(workers: 1, timeout: TimeSpan.FromMilliseconds(100));
        Assert.True(runner.TryRun(Forever, default, out var slow));
        await Finished(slow);
        Assert.IsType<TimeoutException>(slow.Exception!.InnerException);
        Assert.Equal(1, runner.TimedOut);

        Assert.True(runner.TryRun(Quick, default, out var next));
        await next.WaitAsync(Patience);
        Assert.Equal(1, runner.Completed);
    }

    [Fact]
    public async Task A_caller_that_leaves_stops_its_running_query()
    {
        using var runner = Runner();
        using var caller = new CancellationTokenSource();
        Assert.True(runner.TryRun(Forever, caller.Token, out var task));
        await Until(() => runner.Running == 1);

        caller.Cancel();
        await Finished(task);
        Assert.True(task.IsCanceled);
        Assert.Equal(1, runner.Interrupted);
        Assert.Equal(0, runner.TimedOut);
        await Until(() => runner.Running == 0);
    }

    [Fact]
    public async Task A_caller_that_left_while_waiting_never_starts()
    {
        using var runner = Runner(workers: 1);
        using var first = new CancellationTokenSource();
        using var second = new CancellationTokenSource();
        Assert.True(runner.TryRun(Forever, first.Token, out var running));
        await Until(() => runner.Running == 1);
        var started = false;
        Assert.True(runner.TryRun(c =>
        {
            started = true;
            return Quick(c);
        }, second.Token, out var waiting));

        second.Cancel();
        first.Cancel();
        await Finished(running);
        await Finished(waiting);
        Assert.True(waiting.IsCanceled);
        Assert.False(started);
        Assert.Equal(2, runner.Interrupted);
    }

    [Fact]
    public async Task With_every_thread_busy_and_the_line_full_a_query_is_turned_away_and_shutdown_stops_them_all()
    {
        var runner = Runner(workers: 1);
        var tasks = new List<Task<SpanQueryResult>>();
        Assert.True(runner.TryRun(Forever, default, out var running));
        tasks.Add(running);
        await Until(() => runner.Running == 1);
        for (var i = 0; i < SpanQueryRunner.WaitingPerWorker; i++)
        {
            Assert.True(runner.TryRun(Forever, default, out var waiting));
            tasks.Add(waiting);
        }
        Assert.False(runner.TryRun(Quick, default, out _));
        Assert.Equal(1, runner.Rejected);

        runner.Dispose();
        foreach (var t in tasks)
        {
            await Finished(t);
            Assert.IsType<ObjectDisposedException>(t.Exception!.InnerException);
        }
        Assert.True(runner.TryRun(Quick, default, out var late));
        await Finished(late);
        Assert.IsType<ObjectDisposedException>(late.Exception!.InnerException);
    }

    /// <summary>Waits for the task to end, however it ends; fails if it does not within <see cref="Patience"/>.</summary>
    private static async Task Finished(Task task)
    {
        await Task.WhenAny(task, Task.Delay(Patience));
        Assert.True(task.IsCompleted, "the query did not stop");
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(10);
        }
    }
}
