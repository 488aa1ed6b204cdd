using Gateway.Config;
using Gateway.Spans;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using static Gateway.Tests.Spans.SpanTestStore;

namespace Gateway.Tests.Spans;

/// <summary>
/// Issue #9 item 6: shutdown while the writer is inside a write. The write connection belongs to the
/// writer: shutdown may stop waiting, but it never closes the connection under a running statement.
/// </summary>
public sealed class SpanStoreShutdownTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gateway-spans-shutdown-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Dispose_during_a_blocked_write_leaves_the_connection_to_the_writer()
    {
        var store = SpanStore.Open(new SpanStoreConfig { Path = Path.Combine(_directory, "spans.db") },
            new SpanRecordConverter(new TracingProjectResolver(TracingProjectsConfig.Empty), "app"), NullLogger.Instance,
            retentionInterval: TimeSpan.Zero, shutdownWait: TimeSpan.FromMilliseconds(100));
        using var blocker = new SqliteConnection(store.ReaderConnectionString);
        blocker.Open();
        using var lockCommand = blocker.CreateCommand();
        // Another process's write transaction: the writer's BEGIN IMMEDIATE waits for the lock (busy retries).
        lockCommand.CommandText = "BEGIN IMMEDIATE";
        lockCommand.ExecuteNonQuery();

        Assert.True(store.TryEnqueue(Record(Id(1), 1)));
        await Eventually.True(() => store.InBatch);
        // Queued behind the blocked batch: shutdown gives up on these.
        for (var i = 2; i <= 6; i++) Assert.True(store.TryEnqueue(Record(Id(i), i)));

        await store.DisposeAsync();
        // Shutdown returned, and the writer is still inside its BEGIN, on a connection nobody closed.
        Assert.False(store.WriterStopped.IsCompleted);

        lockCommand.CommandText = "ROLLBACK";
        lockCommand.ExecuteNonQuery();
        await store.WriterStopped.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(store.WriterStopped.IsCompletedSuccessfully);
        // The writer's BEGIN finished on a live connection, then it saw the stop and rolled back instead of
        // writing on; nothing failed, and every span shutdown gave up on is counted as dropped.
        Assert.True(store.Failed == 0 && store.Dropped == 6, $"written {store.Written}, failed {store.Failed}, dropped {store.Dropped}");
        Assert.Equal(0, store.Written);

        lockCommand.CommandText = "SELECT count(*) FROM spans";
        Assert.Equal(0L, lockCommand.ExecuteScalar());
    }

    [Fact]
    public async Task Dispose_writes_what_is_queued_when_the_writer_keeps_up()
    {
        var store = SpanStore.Open(new SpanStoreConfig { Path = Path.Combine(_directory, "spans.db") },
            new SpanRecordConverter(new TracingProjectResolver(TracingProjectsConfig.Empty), "app"), NullLogger.Instance,
            retentionInterval: TimeSpan.Zero);
        for (var i = 1; i <= 50; i++) Assert.True(store.TryEnqueue(Record(Id(i), i)));

        await store.DisposeAsync();
        Assert.True(store.WriterStopped.IsCompletedSuccessfully);
        Assert.Equal(50, store.Written);
        Assert.Equal(0, store.Dropped);
    }
}
