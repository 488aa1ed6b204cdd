using Gateway.Config;
using Gateway.Spans;
using Microsoft.Data.Sqlite;
using static Gateway.Tests.Spans.SpanTestStore;

namespace Gateway.Tests.Spans;

public sealed class SpanStoreTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 10, 12, 0, 0, TimeSpan.Zero);
    private const long Day = 86_400L * 1_000_000_000;

    [Fact]
    public async Task Creates_the_schema_in_wal_mode_with_the_query_indexes()
    {
        await using var s = SpanTestStore.Open();
        using var c = s.Store.OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", cmd.ExecuteScalar());
        cmd.CommandText = "SELECT group_concat(name) FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_%'";
        var indexes = ((string)cmd.ExecuteScalar()!).Split(',');
        Assert.Contains(SpanStoreSchema.IndexProjectTime, indexes);
        Assert.Contains(SpanStoreSchema.IndexRoot, indexes);
        Assert.Contains(SpanStoreSchema.IndexSubject, indexes);
        Assert.Contains(SpanStoreSchema.IndexTrace, indexes);
    }

    [Fact]
    public async Task Reopening_keeps_the_spans()
    {
        var directory = Path.Combine(Path.GetTempPath(), "gateway-spans-reopen-" + Guid.NewGuid().ToString("N"));
        var options = new SpanStoreConfig { Path = Path.Combine(directory, "nested", "spans.db") };
        try
        {
            var converter = new SpanRecordConverter(new TracingProjectResolver(TracingProjectsConfig.Empty), "app");
            await using (var store = SpanStore.Open(options, converter, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, retentionInterval: TimeSpan.Zero))
            {
                store.TryEnqueue(Record(Id(1), 1));
                store.TryEnqueue(Record(Id(2), 2));
            }
            await using (var store = SpanStore.Open(options, converter, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, retentionInterval: TimeSpan.Zero))
            {
                Assert.Equal(2L, Count(store));
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_full_queue_drops_and_counts_instead_of_waiting()
    {
        await using var s = SpanTestStore.Open(new SpanStoreConfig { QueueCapacity = 16 });
        const int n = 20_000;
        var accepted = 0;
        for (var i = 0; i < n; i++)
        {
            if (s.Store.TryEnqueue(Record(Id(i), i))) accepted++;
        }
        await s.Store.FlushAsync();
        Assert.True(s.Store.Dropped > 0, "a 16-slot queue fed 20,000 spans in a tight loop must drop some");
        Assert.Equal(n, accepted + s.Store.Dropped);
        Assert.Equal(accepted, s.Store.Written);
        Assert.Equal(accepted, Count(s.Store));
    }

    [Fact]
    public async Task Retention_by_age_deletes_spans_that_started_too_long_ago()
    {
        var time = new ManualTime(Now);
        await using var s = SpanTestStore.Open(new SpanStoreConfig { RetentionDays = 7, MaxRows = 0 }, time: time);
        var now = UnixTime.ToNanos(Now);
        await s.AddAsync(
            Record(Id(1), now - 30 * Day),
            Record(Id(2), now - 8 * Day),
            Record(Id(3), now - 6 * Day),
            Record(Id(4), now - 1));
        await s.Store.RunRetentionAsync();
        Assert.Equal([Id(3), Id(4)], AllIds(s.Store));
        Assert.Equal(2, s.Store.Retained);
    }

    [Fact]
    public async Task Retention_by_row_count_keeps_the_newest_written()
    {
        await using var s = SpanTestStore.Open(new SpanStoreConfig { RetentionDays = 0, MaxRows = 1000, QueueCapacity = 65_536 });
        // 25,000 spans: more than two retention chunks, within the default queue.
        for (var i = 0; i < 25_000; i++) Assert.True(s.Store.TryEnqueue(Record(Id(i), i)));
        await s.Store.FlushAsync();
        var written = Count(s.Store);
        Assert.Equal(25_000L, written);
        await s.Store.RunRetentionAsync();
        Assert.Equal(1000L, Count(s.Store));
        // The survivors are the last written; a pass deleting more than one chunk did not stop early.
        using var c = s.Store.OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT min(start_time_ns) FROM spans";
        Assert.Equal(written - 1000, (long)cmd.ExecuteScalar()!);
    }

    [Fact]
    public async Task Records_round_trip_through_the_query_api()
    {
        await using var s = SpanTestStore.Open();
        await s.AddAsync(Record(Id(1), 5, "virtualaccount:exampleaccount", attributes: """{"k":"v"}""", metadata: """{"env":"prod"}"""));
        var (status, body) = s.Query("""{"startTime":"1970-01-01T00:00:00Z","endTime":"1970-01-01T00:00:01Z"}""");
        Assert.Equal(200, status);
        var span = Assert.Single(body.GetProperty("data").EnumerateArray());
        Assert.Equal("v", span.GetProperty("spanAttributes").GetProperty("k").GetString());
        Assert.Equal("virtualaccount", span.GetProperty("createdBySubject").GetProperty("subjectType").GetString());
        Assert.Equal(0, span.GetProperty("events").GetArrayLength());
    }

    private static long Count(SpanStore store)
    {
        using var c = store.OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM spans";
        return (long)cmd.ExecuteScalar()!;
    }

    private static List<string> AllIds(SpanStore store)
    {
        using var c = store.OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT lower(hex(span_id)) FROM spans ORDER BY start_time_ns";
        using var r = cmd.ExecuteReader();
        var ids = new List<string>();
        while (r.Read()) ids.Add(r.GetString(0));
        return ids;
    }
}
