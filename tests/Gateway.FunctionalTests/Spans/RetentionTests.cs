using static Gateway.FunctionalTests.Spans.TracedRequests;

namespace Gateway.FunctionalTests.Spans;

/// <summary>
/// Retention by age and by row count, on the live store, seen through the query API. Each server is
/// isolated: it stores only its own spans, so the counts are exact (issue #9, item 15: spans other tests
/// made in this process used to leak in, and the test accepted a range).
/// </summary>
public sealed class RetentionTests
{
    /// <summary>A span tree of no server of this test, made while the test runs: it must not reach the store.</summary>
    private static void Foreign(SpanQueryServer server, DateTimeOffset start)
    {
        ChatCompletion("user:someone@else.com", server.Project, start);
        ChatCompletion("user:someone@else.com", server.Project, start, owner: new object());
    }

    [Fact]
    public async Task Spans_older_than_retention_days_are_deleted()
    {
        await using var server = await SpanQueryServer.StartAsync("  retention_days: 7\n  max_rows: 0", isolated: true);
        var now = DateTimeOffset.UtcNow;
        var old = ChatCompletion("user:example@email.com", server.Project, now.AddDays(-30), owner: server.Owner);
        Foreign(server, now.AddDays(-1));
        var edge = ChatCompletion("user:example@email.com", server.Project, now.AddDays(-8), owner: server.Owner);
        var recent = ChatCompletion("user:example@email.com", server.Project, now.AddDays(-6), owner: server.Owner);
        var fresh = ChatCompletion("user:example@email.com", server.Project, now.AddMinutes(-1), owner: server.Owner);
        await server.FlushAsync();
        var query = $"{{\"tracingProjectFqn\":\"{server.Project}\",\"startTime\":\"{Iso(now.AddDays(-60))}\"}}";
        Assert.Equal(old.SpanIds.Concat(edge.SpanIds).Concat(recent.SpanIds).Concat(fresh.SpanIds).Order(), (await server.AllSpanIdsAsync(query)).Order());
        Assert.Equal(12, server.CountRows());

        await server.Store.RunRetentionAsync();

        Assert.Equal(recent.SpanIds.Concat(fresh.SpanIds).Order(), (await server.AllSpanIdsAsync(query)).Order());
        Assert.Equal(6, server.CountRows());
    }

    [Fact]
    public async Task At_most_max_rows_are_kept_newest_written_first()
    {
        await using var server = await SpanQueryServer.StartAsync("  retention_days: 0\n  max_rows: 30", isolated: true);
        var start = DateTimeOffset.UtcNow.AddMinutes(-10);
        var requests = new List<Request>();
        for (var i = 0; i < 40; i++)
        {
            requests.Add(ChatCompletion("virtualaccount:exampleaccount", server.Project, start.AddSeconds(i), owner: server.Owner));
            if (i % 10 == 0) Foreign(server, start.AddSeconds(i));
        }
        await server.FlushAsync();
        Assert.Equal(120, server.CountRows());

        await server.Store.RunRetentionAsync();

        var query = $"{{\"tracingProjectFqn\":\"{server.Project}\",\"startTime\":\"{Iso(start.AddMinutes(-1))}\"}}";
        var kept = await server.AllSpanIdsAsync(query);
        // Spans are written as they end: Network Call, Model, then the root of each request. The newest
        // 30 written are the last ten requests.
        var writeOrder = requests.SelectMany(r => new[] { r.NetworkId, r.ModelId, r.RootId }).ToList();
        Assert.Equal(writeOrder.TakeLast(30).Order(), kept.Order());
        Assert.Equal(30, server.CountRows());
    }
}
