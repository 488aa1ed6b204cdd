using Gateway.FunctionalTests.Infrastructure;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.Spans;

namespace Gateway.FunctionalTests.Spans;

/// <summary>
/// Issue #9 item 10 over real HTTP: a query stops when the client disconnects, and past
/// span_store.query_timeout_ms it is a 504. The queries are made slow for sure: the store's read
/// connections get a json_extract that takes a millisecond per span, so the unstopped query takes at
/// least a millisecond per stored span. Like the other SpanQueryServer tests, it runs in process in both modes.
/// </summary>
public sealed class QueryStopTests
{
    private readonly DateTimeOffset _start = DateTimeOffset.UtcNow.AddHours(-1);
    private int _calls;

    private string SlowQuery => $$"""{"startTime":"{{TracedRequests.Iso(_start)}}","filters":[{"spanAttributeKey":"k","operator":"EQUAL","value":"none"}]}""";

    [Fact]
    public async Task A_client_that_disconnects_stops_its_query()
    {
        const int Spans = 2_000;
        await using var server = await StartSlowAsync(Spans, "  query_timeout_ms: 600000");
        var queries = server.Store.Queries;
        using var client = new CancellationTokenSource();
        var request = Post(server, SlowQuery);
        var send = server.Client.SendAsync(request, client.Token);
        await Poll.UntilAsync(() => Task.FromResult(queries.Running == 1), "the query runs", TimeSpan.FromSeconds(30));

        client.Cancel();
        await Assert.ThrowsAsync<TaskCanceledException>(() => send);
        await Poll.UntilAsync(() => Task.FromResult(queries.Interrupted == 1), "the query is interrupted", TimeSpan.FromSeconds(30));
        Assert.Equal(0, queries.Completed);
        Assert.Equal(0, queries.TimedOut);
        // Stopped part way: most spans were never looked at (unstopped, the query takes over 2 s).
        Assert.InRange(Volatile.Read(ref _calls), 0, Spans / 2);
        await Poll.UntilAsync(() => Task.FromResult(queries.Running == 0), "no query runs", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_query_past_the_time_limit_is_a_504()
    {
        const int Spans = 600;
        await using var server = await StartSlowAsync(Spans, "  query_timeout_ms: 50");
        using var response = await server.Client.SendAsync(Post(server, SlowQuery));

        Assert.Equal(504, (int)response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = doc.RootElement.GetProperty("error");
        Assert.Equal("timeout_error", error.GetProperty("type").GetString());
        Assert.Equal("query_timeout", error.GetProperty("code").GetString());
        Assert.Equal(1, server.Store.Queries.TimedOut);
        Assert.InRange(Volatile.Read(ref _calls), 0, Spans / 2);
    }

    private async Task<SpanQueryServer> StartSlowAsync(int spans, string storeYaml)
    {
        var server = await SpanQueryServer.StartAsync(storeYaml);
        // Recent: the server's retention (7 days) would delete older spans under the test.
        var t0 = UnixTime.ToNanos(_start.AddMinutes(1).UtcDateTime);
        for (var i = 0; i < spans; i++)
        {
            Assert.True(server.Store.TryEnqueue(new SpanRecord
            {
                TraceId = "0123456789abcdef0123456789abcdef",
                SpanId = i.ToString("x16", System.Globalization.CultureInfo.InvariantCulture),
                ParentSpanId = "",
                Name = "chatCompletions",
                StartTimeNs = t0 + i * 1_000_000L,
                DurationNs = 1_000_000,
                ProjectFqn = server.Project,
                ApplicationName = "tfy-llm-gateway",
                AttributesJson = """{"k":"v"}""",
                StatusCode = "Unset",
            }));
        }
        await server.FlushAsync();
        server.Store.Queries.ConnectionOpened = c => c.CreateFunction<byte[]?, byte[]?, long?, string?, object?>(SpanSqlFunctions.Attribute, (_, _, _, _) =>
        {
            Interlocked.Increment(ref _calls);
            Thread.Sleep(1);
            return "v";
        });
        return server;
    }

    private static HttpRequestMessage Post(SpanQueryServer server, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, SpanQueryHandler.Path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SpanQueryServer.AdminToken);
        return request;
    }
}
