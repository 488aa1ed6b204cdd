using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Routing;

/// <summary>
/// The loadBalanceMiddleware and fallbackRequest spans, seen by an in-process ActivityListener. The
/// listener also turns on ASP.NET Core's request activity, which honours the client's traceparent
/// and is the spans' parent here (in production, the tracing listener's root span is).
/// </summary>
// A process-wide listener sees every gateway's spans: run with no other gateways busy at the same time.
[Collection(Tracing.TracingCollection.Name)]
public sealed class RoutingSpanTests : RoutingTestBase, IDisposable
{
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    public RoutingSpanTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "Gateway" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => _stopped.Enqueue(a),
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener.Dispose();

    private static string Hash(string key) => "sha256:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private async Task<List<Activity>> SpansOf(ActivityTraceId trace, int count)
    {
        for (var i = 0; i < 200; i++)
        {
            var spans = _stopped.Where(a => a.TraceId == trace).ToList();
            if (spans.Count(a => a.Source.Name == "Gateway") >= count) return spans;
            await Task.Delay(10);
        }
        return _stopped.Where(a => a.TraceId == trace).ToList();
    }

    private static (ActivityTraceId Trace, string Header) NewTraceparent()
    {
        var trace = ActivityTraceId.CreateRandom();
        return (trace, $"00-{trace}-{ActivitySpanId.CreateRandom()}-01");
    }

    [InProcessFact]
    public async Task FallbackThroughAVirtualModel_RecordsBothSpansWithTheirAttributes()
    {
        await StartGatewayAsync($$"""
            auth:
              api_keys:
                - key_hash: {{Hash("sk-span-test-1")}}
                  subject: user:span@x.com
                  tenant: acme
            virtual_models:
              - name: span-vm
                routing_config:
                  type: priority-based-routing
                  load_balance_targets:
                    - target: a/m
                      retry_config: {attempts: 0}
                    - target: b/m
                      override_params: {temperature: 0.3}
            """);
        A.Handler = (ctx, _) => FakeResponses.Error(ctx, 503);
        var (trace, traceparent) = NewTraceparent();

        using var response = await Gateway.Chat("span-vm", key: "sk-span-test-1", extra: ",\"max_tokens\":33,\"temperature\":0.9", headers: ("traceparent", traceparent));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await response.Content.ReadAsStringAsync();

        var spans = await SpansOf(trace, 2);
        // The request's root is the tracing listener's chatCompletions span (the span store turns it on).
        var root = Assert.Single(spans, s => s.DisplayName == "chatCompletions");
        var lb = Assert.Single(spans, s => s.DisplayName == "loadBalanceMiddleware");
        var fallback = Assert.Single(spans, s => s.DisplayName == "fallbackRequest");
        Assert.Equal(root.SpanId, lb.ParentSpanId);
        Assert.Equal(root.SpanId, fallback.ParentSpanId);
        Assert.True(lb.StartTimeUtc <= fallback.StartTimeUtc);

        Assert.Equal(Gateway.BaseUrl.ToString().TrimEnd('/') + "/v1/chat/completions", lb.GetTagItem("load_balance.http.url"));
        Assert.Equal("POST", lb.GetTagItem("load_balance.http.method"));
        Assert.Equal("acme", lb.GetTagItem("user.tenantName"));
        Assert.Equal("span-vm", lb.GetTagItem("load_balance.requested_model"));
        Assert.Equal("a/m", lb.GetTagItem("load_balance.resolved_model"));
        Assert.Null(lb.GetTagItem("applied_loadbalance_rule_ids"));

        Assert.Equal(B.BaseUrl + "/chat/completions", fallback.GetTagItem("fallback.http.url"));
        Assert.Equal("POST", fallback.GetTagItem("fallback.http.method"));
        Assert.Equal("span-vm", fallback.GetTagItem("fallback.requested_model"));
        Assert.Equal("b/m", fallback.GetTagItem("fallback.resolved_model"));
        Assert.Equal("span-vm", fallback.GetTagItem("fallback.config_id"));
        Assert.Equal(33L, fallback.GetTagItem("fallback.max_tokens"));
        Assert.Equal(0.3, fallback.GetTagItem("fallback.temperature"));
        Assert.Equal(200, fallback.GetTagItem("http.response.status_code"));
        Assert.Equal(ActivityStatusCode.Unset, fallback.Status);
    }

    [InProcessFact]
    public async Task RuleRouting_PutsTheAppliedRuleIdOnTheSpan_AndAFailedFallbackIsAnError()
    {
        await StartGatewayAsync("""
            routing:
              rules:
                - id: metadata-rule
                  type: priority-based-routing
                  when: {metadata: {span-test: "yes"}}
                  load_balance_targets:
                    - {target: c/m, retry_config: {attempts: 0}}
                    - {target: a/m, retry_config: {attempts: 0}}
            """);
        C.Handler = (ctx, _) => FakeResponses.Reset(ctx);
        A.Handler = (ctx, _) => FakeResponses.Error(ctx, 500, "A failed too");
        var (trace, traceparent) = NewTraceparent();

        using var response = await Gateway.Chat("b/m", headers: [("traceparent", traceparent), ("x-tfy-metadata", """{"span-test":"yes"}""")]);
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);

        var spans = await SpansOf(trace, 2);
        var lb = Assert.Single(spans, s => s.DisplayName == "loadBalanceMiddleware");
        Assert.Equal(["metadata-rule"], (string[])lb.GetTagItem("applied_loadbalance_rule_ids")!);
        Assert.Equal("b/m", lb.GetTagItem("load_balance.requested_model"));
        Assert.Equal("c/m", lb.GetTagItem("load_balance.resolved_model"));
        Assert.Equal("default", lb.GetTagItem("user.tenantName"));
        var fallback = Assert.Single(spans, s => s.DisplayName == "fallbackRequest");
        Assert.Equal("metadata-rule", fallback.GetTagItem("fallback.config_id"));
        Assert.Equal("a/m", fallback.GetTagItem("fallback.resolved_model"));
        Assert.Equal(ActivityStatusCode.Error, fallback.Status);
        Assert.Contains("A failed too", fallback.StatusDescription);
        Assert.Null(fallback.GetTagItem("fallback.max_tokens"));
    }

    [InProcessFact]
    public async Task DirectModel_RecordsNeitherSpan()
    {
        await StartGatewayAsync("");
        var (trace, traceparent) = NewTraceparent();

        using var response = await Gateway.Chat("a/m", headers: ("traceparent", traceparent));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var spans = await SpansOf(trace, 1);
        Assert.DoesNotContain(spans, s => s.DisplayName is "loadBalanceMiddleware" or "fallbackRequest");
    }
}
