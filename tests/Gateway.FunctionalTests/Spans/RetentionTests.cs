using static Gateway.FunctionalTests.Spans.TracedRequests;

namespace Gateway.FunctionalTests.Spans;

/// <summary>Retention by age and by row count, on the live store, seen through the query API.</summary>
public sealed class RetentionTests
{
    [Fact]
    public async Task Spans_older_than_retention_days_are_deleted()
    {
        await using var server = await SpanQueryServer.StartAsync("  retention_days: 7\n  max_rows: 0");
        var now = DateTimeOffset.UtcNow;
        var old = ChatCompletion("user:example@email.com", server.Project, now.AddDays(-30));
        var edge = ChatCompletion("user:example@email.com", server.Project, now.AddDays(-8));
        var recent = ChatCompletion("user:example@email.com", server.Project, now.AddDays(-6));
        var fresh = ChatCompletion("user:example@email.com", server.Project, now.AddMinutes(-1));
        await server.FlushAsync();
        var query = $"{{\"tracingProjectFqn\":\"{server.Project}\",\"startTime\":\"{Iso(now.AddDays(-60))}\"}}";
        Assert.Equal(12, (await server.AllSpanIdsAsync(query)).Count);

        await server.Store.RunRetentionAsync();

        Assert.Equal(recent.SpanIds.Concat(fresh.SpanIds).Order(), (await server.AllSpanIdsAsync(query)).Order());
        Assert.DoesNotContain(old.RootId, await server.AllSpanIdsAsync(query));
        Assert.DoesNotContain(edge.RootId, await server.AllSpanIdsAsync(query));
    }

    [Fact]
    public async Task At_most_max_rows_are_kept_newest_written_first()
    {
        await using var server = await SpanQueryServer.StartAsync("  retention_days: 0\n  max_rows: 30");
        var start = DateTimeOffset.UtcNow.AddMinutes(-10);
        var requests = Enumerable.Range(0, 40).Select(i => ChatCompletion("virtualaccount:exampleaccount", server.Project, start.AddSeconds(i))).ToList();
        await server.FlushAsync();
        await server.Store.RunRetentionAsync();
        var query = $"{{\"tracingProjectFqn\":\"{server.Project}\",\"startTime\":\"{Iso(start.AddMinutes(-1))}\"}}";
        var kept = await server.AllSpanIdsAsync(query);
        Assert.InRange(kept.Count, 1, 30);
        // Spans are written as they end: Network Call, Model, then the root of each request. What is
        // kept of ours is the tail of that order (spans other tests make in this process share the
        // store's rows, so the tail may be shorter than 30, never out of order).
        var writeOrder = requests.SelectMany(r => new[] { r.NetworkId, r.ModelId, r.RootId }).ToList();
        Assert.Equal(writeOrder.TakeLast(kept.Count).Order(), kept.Order());
    }
}
