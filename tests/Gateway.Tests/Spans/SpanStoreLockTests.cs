using Gateway.Config;
using Gateway.Spans;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using static Gateway.Tests.Spans.SpanTestStore;

namespace Gateway.Tests.Spans;

/// <summary>
/// One writer per store file: a second store on a file another holds failed every batch on
/// "UNIQUE constraint failed: spans.id" (both numbered rows from counters read at open), so it is refused.
/// </summary>
public sealed class SpanStoreLockTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gateway-spans-lock-").FullName;
    private readonly SpanRecordConverter _converter = new(new TracingProjectResolver(TracingProjectsConfig.Empty), "app");

    private string DbPath => Path.Combine(_directory, "spans.db");

    private string InUse => $"span_store.path: '{DbPath}' is in use by another gateway process; each replica needs its own span_store.path (or span_store.enabled: false)";

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private SpanStore Open() => SpanStore.Open(new SpanStoreConfig { Path = DbPath }, _converter, NullLogger.Instance, retentionInterval: TimeSpan.Zero);

    [Fact]
    public async Task A_second_store_on_a_held_file_is_refused_and_the_first_writes_on()
    {
        await using var first = Open();

        var e = Assert.Throws<ConfigException>(Open);

        Assert.Equal([InUse], e.Errors);
        for (var i = 1; i <= 3; i++) Assert.True(first.TryEnqueue(Record(Id(i), i)));
        await first.FlushAsync();
        Assert.True(first.Written == 3 && first.Failed == 0, $"written {first.Written}, failed {first.Failed}");
        Assert.Equal(3L, Count());
    }

    [Fact]
    public async Task A_disposed_store_lets_the_next_open_the_file_and_number_on()
    {
        await using (var first = Open())
        {
            Assert.True(first.TryEnqueue(Record(Id(1), 1)));
            await first.FlushAsync();
        }

        await using var second = Open();
        Assert.True(second.TryEnqueue(Record(Id(2), 2)));
        await second.FlushAsync();

        Assert.True(second.Written == 1 && second.Failed == 0, $"written {second.Written}, failed {second.Failed}");
        Assert.Equal(2L, Count());
    }

    /// <summary>flock belongs to the open file description, not the process: two opens in one process exclude each other.</summary>
    [Fact]
    public void The_lock_excludes_a_second_holder_in_the_same_process_until_released()
    {
        var held = SpanStoreLock.Acquire(DbPath);

        Assert.Equal([InUse], Assert.Throws<ConfigException>(() => SpanStoreLock.Acquire(DbPath)).Errors);

        held.Dispose();
        held.Dispose();
        using var again = SpanStoreLock.Acquire(DbPath);
        Assert.True(File.Exists(SpanStoreLock.PathFor(DbPath)));
    }

    /// <summary>Only a lock held elsewhere is "in use": a lock file that cannot be opened is an I/O error, and the gateway serves without its store as before.</summary>
    [Fact]
    public async Task A_lock_file_that_cannot_be_opened_is_not_reported_as_in_use()
    {
        // A symbolic link to itself: open fails with ELOOP, an IOException that is not a sharing violation.
        File.CreateSymbolicLink(SpanStoreLock.PathFor(DbPath), SpanStoreLock.PathFor(DbPath));

        Assert.Throws<IOException>(() => SpanStoreLock.Acquire(DbPath));

        var config = ConfigLoader.Load($$"""
            providers:
              - name: mock
                type: mock
                models: [echo]
            span_store: {path: '{{DbPath}}'}
            """, "test.yaml");
        await using var feature = SpanFeature.Start(config, _ => null, _ => SpanFeature.AnonymousAdmin, NullLogger.Instance, listen: false);
        Assert.Null(feature.Store);
        Assert.False(File.Exists(DbPath));
    }

    private long Count()
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM spans";
        return (long)command.ExecuteScalar()!;
    }
}
