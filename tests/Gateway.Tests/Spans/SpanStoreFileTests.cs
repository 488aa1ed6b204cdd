using Gateway.Config;
using Gateway.Spans;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using static Gateway.Tests.Spans.SpanTestStore;

namespace Gateway.Tests.Spans;

/// <summary>Issue #11: a file written by an older layout of the store, or by a newer gateway.</summary>
public sealed class SpanStoreFileTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gateway-spans-file-" + Guid.NewGuid().ToString("N"));
    private readonly SpanRecordConverter _converter = new(new TracingProjectResolver(TracingProjectsConfig.Empty), "app");

    public SpanStoreFileTests() => Directory.CreateDirectory(_directory);

    private string DbPath => Path.Combine(_directory, "spans.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task An_older_schema_is_moved_aside_with_its_spans_and_an_empty_store_starts(int version)
    {
        // An older layout (version 1's hex text ids and project FQN; version 2's attributes as JSON text).
        Execute(DbPath, $"""
            PRAGMA journal_mode=WAL;
            CREATE TABLE spans (id INTEGER PRIMARY KEY, start_time_ns INTEGER NOT NULL, trace_id TEXT NOT NULL, span_id TEXT NOT NULL, project_fqn TEXT NOT NULL);
            INSERT INTO spans (start_time_ns, trace_id, span_id, project_fqn) VALUES (1, '0123456789abcdef0123456789abcdef', '0000000000000001', 'p');
            PRAGMA user_version = {version};
            """);
        var logger = new LineLogger();

        await using (var store = SpanStore.Open(new SpanStoreConfig { Path = DbPath }, _converter, logger, retentionInterval: TimeSpan.Zero))
        {
            await store.FlushAsync();
            Assert.True(store.TryEnqueue(Record(Id(7), 7)));
            await store.FlushAsync();
            Assert.Equal(1, store.Written);
        }

        var moved = DbPath + ".v" + version;
        Assert.Equal(1L, Scalar(moved, "SELECT count(*) FROM spans WHERE span_id = '0000000000000001'"));
        Assert.Equal((long)SpanStoreSchema.Version, Scalar(DbPath, "PRAGMA user_version"));
        Assert.Equal(1L, Scalar(DbPath, "SELECT count(*) FROM spans"));
        var line = Assert.Single(logger.Lines, l => l.Level == LogLevel.Warning);
        Assert.Contains(moved, line.Text, StringComparison.Ordinal);
        Assert.Contains($"version {version}", line.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_newer_schema_is_refused_and_left_as_it_is()
    {
        Execute(DbPath, "CREATE TABLE spans (id INTEGER PRIMARY KEY, future BLOB); PRAGMA user_version = 99;");

        var e = Assert.Throws<InvalidOperationException>(() => SpanStore.Open(new SpanStoreConfig { Path = DbPath }, _converter, new LineLogger(), retentionInterval: TimeSpan.Zero));

        Assert.Contains("newer", e.Message, StringComparison.Ordinal);
        Assert.Equal(99L, Scalar(DbPath, "PRAGMA user_version"));
        Assert.False(File.Exists(DbPath + ".v99"));
    }

    private static void Execute(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Scalar(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    private sealed class LineLogger : ILogger
    {
        public List<(LogLevel Level, string Text)> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines) Lines.Add((logLevel, formatter(state, exception)));
        }
    }
}
