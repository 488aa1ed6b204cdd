using static Gateway.FunctionalTests.Spans.TracedRequests;

namespace Gateway.FunctionalTests.Spans;

/// <summary>
/// Keyset paging while spans keep arriving: between pages, spans are added all over the window
/// (backdated, the hard case for offset paging) and after it, and the store writes them while the
/// next page is read; paging still yields every span that
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

        // After each page, new spans arrive: half inside the window among the existing ones (backdated),
        // half at "now". The store's writer inserts them while the next page is being read.
        var rnd = new Random(7);
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
            ChatCompletion("user:other@email.com", _server.Project, windowStart.AddMilliseconds(rnd.Next(0, 20 * 60 * 1000)));
            ChatCompletion("user:other@email.com", _server.Project, DateTimeOffset.UtcNow);
        }
        while (token is not null && pages < 1000);

        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Empty(before.Except(seen));
        Assert.True(pages >= 300 / 17, $"{pages} pages");
        // The spans that arrived meanwhile are all in the store (three per request, two requests per page).
        await _server.FlushAsync();
        var everything = $"{{\"tracingProjectFqn\":\"{_server.Project}\",\"startTime\":\"{Iso(windowStart)}\",\"endTime\":\"{Iso(DateTimeOffset.UtcNow.AddMinutes(5))}\"}}";
        Assert.Equal(before.Count + 6 * pages, (await _server.AllSpanIdsAsync(everything)).Count);
    }
}
