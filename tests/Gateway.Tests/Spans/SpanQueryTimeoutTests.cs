using Gateway.Config;
using Gateway.Spans;
using static Gateway.Tests.Spans.SpanTestStore;

namespace Gateway.Tests.Spans;

/// <summary>
/// Issue #9 item 10, through the handler: a query that runs past span_store.query_timeout_ms is
/// stopped and answered 504 query_timeout. The query is made slow for sure, not by luck: the read
/// connections' json_extract is replaced by one that takes a millisecond per row.
/// </summary>
public sealed class SpanQueryTimeoutTests : IAsyncLifetime
{
    private static readonly long T0 = UnixTime.ToNanos(new DateTime(2025, 6, 1, 0, 0, 0, DateTimeKind.Utc));
    private const int Spans = 600;
    private SpanTestStore _s = null!;
    private int _calls;

    public async Task InitializeAsync()
    {
        _s = SpanTestStore.Open(new SpanStoreConfig { QueryTimeoutMs = 50 });
        var records = Enumerable.Range(1, Spans).Select(i => Record(Id(i), T0 + i * 1_000_000L, attributes: """{"k":"v"}""")).ToArray();
        await _s.AddAsync(records);
        _s.Store.Queries.ConnectionOpened = c => c.CreateFunction<byte[]?, byte[]?, long?, string?, object?>(SpanSqlFunctions.Attribute, (_, _, _, _) =>
        {
            Interlocked.Increment(ref _calls);
            Thread.Sleep(1);
            return "v";
        });
    }

    public async Task DisposeAsync() => await _s.DisposeAsync();

    [Fact]
    public async Task A_query_past_the_time_limit_is_a_504_query_timeout()
    {
        // Unstopped, this query takes at least 600 ms: one slow json_extract per span.
        var json = """{"startTime":"2025-06-01T00:00:00Z","filters":[{"spanAttributeKey":"k","operator":"EQUAL","value":"none"}]}""";
        var (status, body) = await _s.Handler.RunAsync(Admin, System.Text.Encoding.UTF8.GetBytes(json));

        Assert.Equal(504, status);
        using var doc = System.Text.Json.JsonDocument.Parse(body);
        var error = doc.RootElement.GetProperty("error");
        Assert.Equal("timeout_error", error.GetProperty("type").GetString());
        Assert.Equal("query_timeout", error.GetProperty("code").GetString());
        Assert.Contains("50 ms", error.GetProperty("message").GetString());
        Assert.Equal(1, _s.Store.Queries.TimedOut);
        Assert.Equal(0, _s.Store.Queries.Completed);
        // Stopped part way (or, on a busy machine, before it began), not at the end.
        Assert.InRange(_calls, 0, Spans / 2);
    }
}
