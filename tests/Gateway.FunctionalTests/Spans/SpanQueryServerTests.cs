using System.Diagnostics;
using Gateway.Tracing;
using static Gateway.FunctionalTests.Spans.TracedRequests;

namespace Gateway.FunctionalTests.Spans;

/// <summary>
/// Which spans a test's <see cref="SpanQueryServer"/> stores while other tests run in the same process. A
/// shared server stores every span of the gateway's ActivitySource that no gateway owns, and places one without
/// a project in its default project, the one its tests query; so tests that count spans use an isolated server
/// (PagingTests came out one span over when a webhook guardrail test ran beside it).
/// </summary>
public sealed class SpanQueryServerTests
{
    [Fact]
    public async Task A_shared_server_stores_a_span_no_gateway_owns_in_its_default_project()
    {
        await using var server = await SpanQueryServer.StartAsync();
        var own = ChatCompletion("user:example@email.com", server.Project, DateTimeOffset.UtcNow);
        var foreign = ForeignUnownedSpan();
        await server.FlushAsync();

        var stored = await server.AllSpanIdsAsync(Window(server));
        Assert.Equal(own.SpanIds.Append(foreign).Order(StringComparer.Ordinal), stored.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_isolated_server_stores_only_the_trees_it_owns()
    {
        await using var server = await SpanQueryServer.StartAsync(isolated: true);
        var own = ChatCompletion("user:example@email.com", server.Project, DateTimeOffset.UtcNow, owner: server.Owner);
        ChatCompletion("user:example@email.com", server.Project, DateTimeOffset.UtcNow);
        ForeignUnownedSpan();
        await server.FlushAsync();

        var stored = await server.AllSpanIdsAsync(Window(server));
        Assert.Equal(own.SpanIds.Order(StringComparer.Ordinal), stored.Order(StringComparer.Ordinal));
    }

    private static string Window(SpanQueryServer server) =>
        $"{{\"tracingProjectFqn\":\"{server.Project}\",\"startTime\":\"{Iso(DateTimeOffset.UtcNow.AddMinutes(-5))}\",\"endTime\":\"{Iso(DateTimeOffset.UtcNow.AddMinutes(5))}\"}}";

    /// <summary>
    /// A span under another gateway's request that nothing ties to that gateway: started from its parent's
    /// context alone (as the guardrail network call span was), it has no in-process parent, so neither the
    /// owner nor the request's project is found. Returns its span id.
    /// </summary>
    private static string ForeignUnownedSpan()
    {
        var previous = Activity.Current;
        Activity.Current = null;
        try
        {
            using var request = GatewayActivitySource.Instance.StartActivity(SpanNames.ChatCompletions, ActivityKind.Server, default(ActivityContext))!;
            request.SetCustomProperty(TracingListener.OwnerProperty, new object());
            request.SetTag(SpanAttributes.TfyTracingProjectFqn, "other:tracing-project:default");
            using var call = GatewayActivitySource.Instance.StartActivity(SpanNames.GuardrailNetworkCall, ActivityKind.Client, request.Context)!;
            Assert.Null(call.Parent);
            return call.SpanId.ToHexString();
        }
        finally
        {
            Activity.Current = previous;
        }
    }
}
