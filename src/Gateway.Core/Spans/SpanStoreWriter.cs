using System.Diagnostics;
using Gateway.Config;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Gateway.Spans;

/// <summary>
/// The span store's writer thread: inserts the batches the encoder hands over, one transaction each, and
/// runs retention. The write connection is this thread's alone: it closes it when it stops, so shutdown
/// never pulls it from under a write.
/// </summary>
internal sealed class SpanStoreWriter(
    SqliteConnection connection,
    SpanRowWriter rows,
    SpanBatchQueue handoff,
    SpanBatchQueue free,
    SpanStoreCounters counters,
    SpanStoreConfig options,
    TimeProvider time,
    ILogger logger,
    Action requestRetention,
    CancellationToken stop)
{
    /// <summary>Rows per retention DELETE, so one pass never holds the writer for long.</summary>
    internal const int RetentionChunk = 10_000;
    private const int RetentionChunksPerPass = 20;

    private int _inBatch;
    private long _droppedLogged, _droppedLoggedAt;

    /// <summary>Inside a transaction (between BEGIN and COMMIT).</summary>
    public bool InBatch => Volatile.Read(ref _inBatch) != 0;

    /// <summary>The thread's body; returns when the encoder has handed over its last batch (or at a stop).</summary>
    public void Run()
    {
        foreach (var batch in handoff.GetConsumingEnumerable())
        {
            if (stop.IsCancellationRequested)
            {
                Abandon(batch);
            }
            else
            {
                if (batch.Rows.Count > 0) Write(batch);
                if (batch.Retention) RunRetention();
                foreach (var f in batch.Flushes) f.TrySetResult();
                LogDrops();
            }
            batch.Clear();
            free.Add(batch);
        }
    }

    private void Write(SpanBatch batch)
    {
        Volatile.Write(ref _inBatch, 1);
        var committed = false;
        try
        {
            using var tx = connection.BeginTransaction();
            // Shutdown gave up waiting: stop between rows and roll back rather than hold the file open.
            rows.Write(batch, stop);
            tx.Commit();
            committed = true;
            rows.Committed();
            counters.Write(batch.Rows.Count);
        }
        catch (OperationCanceledException)
        {
            counters.Drop(batch.Rows.Count);
            SpanStoreLog.AbandonedAtShutdown(logger, batch.Rows.Count);
        }
        catch (Exception e) when (e is SqliteException or InvalidOperationException or IOException)
        {
            counters.Fail(batch.Rows.Count);
            SpanStoreLog.WriteFailed(logger, batch.Rows.Count, e);
        }
        finally
        {
            if (!committed) rows.RolledBack(batch);
            Volatile.Write(ref _inBatch, 0);
        }
    }

    private void Abandon(SpanBatch batch)
    {
        if (batch.Rows.Count > 0)
        {
            counters.Drop(batch.Rows.Count);
            SpanStoreLog.AbandonedAtShutdown(logger, batch.Rows.Count);
        }
        foreach (var f in batch.Flushes) f.TrySetResult();
    }

    /// <summary>One warning per 10 s at most: a store that cannot keep up must not also flood the log.</summary>
    private void LogDrops()
    {
        var dropped = counters.Dropped;
        if (dropped <= _droppedLogged || Stopwatch.GetElapsedTime(_droppedLoggedAt) <= TimeSpan.FromSeconds(10)) return;
        _droppedLogged = dropped;
        _droppedLoggedAt = Stopwatch.GetTimestamp();
        SpanStoreLog.Dropping(logger, dropped);
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
            using var cmd = connection.CreateCommand();
            if (options.RetentionDays > 0)
            {
                var cutoff = UnixTime.ToNanos(time.GetUtcNow()) - options.RetentionDays * TimeSpan.TicksPerDay * 100;
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
            if (options.MaxRows > 0 && !more)
            {
                cmd.Parameters.Clear();
                // Ids only grow, so max(id) - max_rows is where the newest max_rows begin; gaps left by
                // age retention only make the store keep fewer rows than the limit, never more.
                cmd.CommandText = $"DELETE FROM spans WHERE id IN (SELECT id FROM spans WHERE id <= (SELECT max(id) FROM spans) - $max ORDER BY id LIMIT {RetentionChunk})";
                cmd.Parameters.AddWithValue("$max", options.MaxRows);
                more = DeleteChunks(cmd, ref deleted);
            }
        }
        catch (Exception e) when (e is SqliteException or InvalidOperationException)
        {
            SpanStoreLog.RetentionFailed(logger, e);
        }
        if (deleted > 0)
        {
            counters.Retain(deleted);
            SpanStoreLog.Retained(logger, deleted);
        }
        if (more) requestRetention();
    }

    /// <returns>True when the pass stopped with rows still to delete.</returns>
    private bool DeleteChunks(SqliteCommand cmd, ref long deleted)
    {
        for (var i = 0; i < RetentionChunksPerPass && !stop.IsCancellationRequested; i++)
        {
            var n = cmd.ExecuteNonQuery();
            deleted += n;
            if (n < RetentionChunk) return false;
        }
        return true;
    }
}
