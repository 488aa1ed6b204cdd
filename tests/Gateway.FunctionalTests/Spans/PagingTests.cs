using static Gateway.FunctionalTests.Spans.TracedRequests;

namespace Gateway.FunctionalTests.Spans;

/// <summary>
/// Keyset paging while spans keep arriving: a concurrent writer adds spans all over the window
/// (backdated, the hard case for offset paging) and after it; paging still yields every span that
/// was there when paging began exactly once, and nothing twice.
/// </summary>
public sealed class PagingTests : IAsyncLifetime
{
    private SpanQueryServer _server = null!;

    public async Task InitializeAsync() => _server = await SpanQueryServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("DESC", true)]
    [InlineData("ASC", true)]
    [InlineData("DESC", false)]
    [InlineData("ASC", false)]
    public async Task Every_span_once_while_new_spans_arrive(string direction, bool explicitEnd)
    {
        var windowStart = DateTimeOffset.UtcNow.AddMinutes(-30);
        var random = new Random(42);
        var before = new HashSet<string>();
        for (var i = 0; i < 100; i++)
        {
            var r = ChatCompletion(i % 2 == 0 ? "user:example@email.com" : "virtualaccount:exampleaccount", _server.Project, windowStart.AddMilliseconds(random.Next(0, 20 * 60 * 1000)));
            before.UnionWith(r.SpanIds);
        }
        await _server.FlushAsync();

        using var stop = new CancellationTokenSource();
        var arrived = 0;
        var writer = Task.Run(async () =>
        {
            var rnd = new Random(7);
            // Bounded: at most 2,000 requests, and it stops when paging is done.
            for (var i = 0; i < 2000 && !stop.IsCancellationRequested; i++)
            {
                // Half land inside the window among the existing spans, half at "now".
                var start = i % 2 == 0 ? windowStart.AddMilliseconds(rnd.Next(0, 20 * 60 * 1000)) : DateTimeOffset.UtcNow;
                ChatCompletion("user:other@email.com", _server.Project, start);
                Interlocked.Increment(ref arrived);
                await Task.Delay(1);
            }
        });

        var end = explicitEnd ? $",\"endTime\":\"{Iso(DateTimeOffset.UtcNow.AddMinutes(5))}\"" : "";
        var query = $"{{\"tracingProjectFqn\":\"{_server.Project}\",\"startTime\":\"{Iso(windowStart)}\"{end},\"sortDirection\":\"{direction}\"}}";
        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var body = query.TrimEnd('}') + ",\"limit\":17" + (token is null ? "" : $",\"pageToken\":\"{token}\"") + "}";
            var (status, answer) = await _server.QueryAsync(body);
            Assert.True(status == 200, answer.ToString());
            seen.AddRange(answer.GetProperty("data").EnumerateArray().Select(s => s.GetProperty("spanId").GetString()!));
            token = answer.GetProperty("pagination").GetProperty("nextPageToken").GetString();
            pages++;
            // Give the writer time to land spans between pages.
            await Task.Delay(5);
        }
        while (token is not null && pages < 1000);
        stop.Cancel();
        await writer;

        Assert.True(arrived > 0, "the concurrent writer made no spans");
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Empty(before.Except(seen));
        Assert.True(pages >= 300 / 17, $"{pages} pages");
    }
}
