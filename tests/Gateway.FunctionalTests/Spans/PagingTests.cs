using static Gateway.FunctionalTests.Spans.TracedRequests;

namespace Gateway.FunctionalTests.Spans;

/// <summary>
/// Keyset paging while spans keep arriving: between pages, spans are added all over the window
/// (backdated, the hard case for offset paging) and after it, and the store writes them while the
/// next page is read; paging still yields every span that
/// was there when paging began exactly once, and nothing twice.
/// </summary>
/// <remarks>
/// The server is isolated and the spans carry its owner: a shared one stores every span of the gateway's
/// ActivitySource that no gateway owns, from any test running in this process meanwhile, and places one without a
/// project in its default project, the one paged here (a webhook guardrail's network call span was such a span:
/// the count came out one higher). See SpanQueryServerTests.
/// </remarks>
public sealed class PagingTests : IAsyncLifetime
{
    private SpanQueryServer _server = null!;

    public async Task InitializeAsync() => _server = await SpanQueryServer.StartAsync(isolated: true);

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
            var r = ChatCompletion(i % 2 == 0 ? "user:example@email.com" : "virtualaccount:exampleaccount", _server.Project, windowStart.AddMilliseconds(random.Next(0, 20 * 60 * 1000)), owner: _server.Owner);
            before.UnionWith(r.SpanIds);
        }
        await _server.FlushAsync();

        // After each page, new spans arrive: half inside the window among the existing ones (backdated),
        // half at "now". The store's writer inserts them while the next page is being read.
        var rnd = new Random(7);
        var end = explicitEnd ? $",\"endTime\":\"{Iso(DateTimeOffset.UtcNow.AddMinutes(5))}\"" : "";
        var query = $"{{\"tracingProjectFqn\":\"{_server.Project}\",\"startTime\":\"{Iso(windowStart)}\"{end},\"sortDirection\":\"{direction}\"}}";
        var seen = new List<string>();
        var arrived = new HashSet<string>();
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
            arrived.UnionWith(ChatCompletion("user:other@email.com", _server.Project, windowStart.AddMilliseconds(rnd.Next(0, 20 * 60 * 1000)), owner: _server.Owner).SpanIds);
            arrived.UnionWith(ChatCompletion("user:other@email.com", _server.Project, DateTimeOffset.UtcNow, owner: _server.Owner).SpanIds);
        }
        while (token is not null && pages < 1000);

        Assert.Empty(seen.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key));
        Assert.Empty(before.Except(seen));
        Assert.True(pages >= 300 / 17, $"{pages} pages");
        // The spans that arrived meanwhile are all in the store (three per request, two requests per page), and
        // nothing else: compared as sets, so a failure names the spans.
        Assert.Equal(6 * pages, arrived.Count);
        await _server.FlushAsync();
        var everything = $"{{\"tracingProjectFqn\":\"{_server.Project}\",\"startTime\":\"{Iso(windowStart)}\",\"endTime\":\"{Iso(DateTimeOffset.UtcNow.AddMinutes(5))}\"}}";
        var stored = await _server.AllSpanIdsAsync(everything);
        Assert.Equal(stored.Count, stored.Distinct().Count());
        Assert.Equal(before.Union(arrived).Order(StringComparer.Ordinal), stored.Order(StringComparer.Ordinal));
    }
}
