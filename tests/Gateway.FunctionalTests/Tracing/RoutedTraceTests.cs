using System.Net;
using System.Text;
using Gateway.FunctionalTests.Infrastructure;
using Gateway.FunctionalTests.Tracing.Otlp;
using static Gateway.FunctionalTests.Tracing.TracingSetup;

namespace Gateway.FunctionalTests.Tracing;

/// <summary>
/// Routing and tracing together, as exported over OTLP: a virtual model whose first target fails and whose
/// second answers gives root -> loadBalanceMiddleware, fallbackRequest -> Model -> Network Call, with the
/// caller's subject on every span; and no URL on any span, exported or stored, with the credentials or the
/// query key of a provider's base_url.
/// </summary>
[Collection(TracingCollection.Name)]
public sealed class RoutedTraceTests : IAsyncLifetime
{
    private FakeUpstream _a = null!;
    private FakeUpstream _b = null!;
    private OtlpReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _a = await FakeUpstream.StartAsync();
        _b = await FakeUpstream.StartAsync();
        _receiver = await OtlpReceiver.StartAsync();
        _a.Handler = JsonAnswer("""{"error":{"message":"overloaded","type":"server_error"}}""", 503);
        _b.Handler = JsonAnswer("""{"id":"b1","model":"m-b","choices":[{"index":0,"message":{"role":"assistant","content":"from b"},"finish_reason":"stop"}],"usage":{"prompt_tokens":4,"completion_tokens":2}}""");
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    /// <summary>Virtual model vm: a/m first, without retries, then b/m.</summary>
    private const string FallbackModel = """
        virtual_models:
          - name: vm
            routing_config:
              type: priority-based-routing
              load_balance_targets:
                - {target: a/m, priority: 0, retry_config: {attempts: 0}}
                - {target: b/m, priority: 1}
        """;

    [Fact]
    public async Task VirtualModelWithFallback_ExportsTheWholeTree()
    {
        var yaml = $$$"""
            server:
              sse_keepalive_ms: 0
            auth:
              api_keys:
                - key: ${APP_KEY}
                  subject: virtualaccount:exampleaccount
                  teams: [billing]
            providers:
              - name: a
                type: openai
                base_url: {{{_a.BaseUrl}}}
                api_key: sk-a
                models: [{name: m, upstream_model: m-a}]
              - name: b
                type: openai
                base_url: {{{_b.BaseUrl}}}
                api_key: sk-b
                models: [{name: m, upstream_model: m-b}]
            {{{FallbackModel}}}
            """;
        await using var gateway = await GatewayUnderTest.StartAsync(yaml, Env(_receiver, ("APP_KEY", "app-key-123")));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json("""{"model":"vm","max_tokens":50,"temperature":0.3,"messages":[{"role":"user","content":"hi"}]}"""),
        };
        request.Headers.Authorization = new("Bearer", "app-key-123");

        using var response = await gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("from b", await response.Content.ReadAsStringAsync());

        var root0 = (await _receiver.WaitForSpansAsync(s => s.Name == "chatCompletions", 1)).Single();
        var spans = await _receiver.WaitForTraceAsync(root0.TraceId, s => s.Count(x => x.Name == "Network Call") >= 2 && s.Any(x => x.Name == "fallbackRequest"));
        var root = spans.Single(s => s.Name == "chatCompletions");
        // Every span carries the request's subject, teams and project, as exported.
        Assert.All(spans, s => Assert.Equal("virtualaccount:exampleaccount", s.Str("tfy.request.created_by_subject")));
        Assert.All(spans, s => Assert.Equal(["billing"], (s["tfy.request.created_by_subject_teams"] as IEnumerable<object?>)?.Cast<string>()));
        Assert.All(spans, s => Assert.NotNull(s.Str("tfy.tracing_project_fqn")));
        Assert.Equal("vm", root.Str("gen_ai.request.model"));

        var lb = spans.Single(s => s.Name == "loadBalanceMiddleware");
        Assert.Equal(root.SpanId, lb.ParentSpanId);
        Assert.Equal("vm", lb.Str("load_balance.requested_model"));
        Assert.Equal("a/m", lb.Str("load_balance.resolved_model"));

        var fallback = spans.Single(s => s.Name == "fallbackRequest");
        Assert.Equal(root.SpanId, fallback.ParentSpanId);
        Assert.Equal("b/m", fallback.Str("fallback.resolved_model"));
        Assert.Equal(50, fallback.Int("fallback.max_tokens"));

        var models = spans.Where(s => s.Name == "Model").ToList();
        Assert.Equal(2, models.Count);
        var failed = models.Single(m => m.Str("tfy.model.fqn") == "a/m");
        var served = models.Single(m => m.Str("tfy.model.fqn") == "b/m");
        Assert.Equal(503, failed.Int("http.response.status_code"));
        // Model spans hang off the root; routing spans are siblings that never become current.
        Assert.Equal(root.SpanId, served.ParentSpanId);
        Assert.Equal(2, served.Int("tfy.model.metric.output_tokens"));
        Assert.Contains(spans, s => s.Name == "Network Call" && s.ParentSpanId == served.SpanId);
        Assert.DoesNotContain(spans.SelectMany(s => s.Attributes.Values), v => v is string str && (str.Contains("app-key-123") || str.Contains("sk-b")));
    }

    [Fact]
    public async Task NoUrlOnAnySpan_CarriesUserInfoOrQuery()
    {
        string[] secrets = ["pa55-secret-a", "qk-secret-a", "pa55-secret-b", "qk-secret-b"];
        static string WithSecrets(FakeUpstream upstream, string name) =>
            upstream.BaseUrl.Replace("http://", $"http://{name}:pa55-secret-{name}@", StringComparison.Ordinal) + $"?key=qk-secret-{name}";
        var yaml = $$$"""
            server:
              sse_keepalive_ms: 0
            providers:
              - name: a
                type: openai
                base_url: {{{WithSecrets(_a, "a")}}}
                models: [{name: m, upstream_model: m-a}]
              - name: b
                type: openai
                base_url: {{{WithSecrets(_b, "b")}}}
                models: [{name: m, upstream_model: m-b}]
            {{{FallbackModel}}}
            """;
        await using var gateway = await GatewayUnderTest.StartAsync(yaml, Env(_receiver));

        using var response = await gateway.Client.PostAsync("/v1/chat/completions", Json("""{"model":"vm","messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The key in the query still reaches the upstream, after the operation's path.
        Assert.Equal("/v1/chat/completions?key=qk-secret-b", _b.Requests.Last().Path);
        var traceId = TraceIdSeenBy(_b);
        var spans = await _receiver.WaitForTraceAsync(traceId, s => s.Count >= 7);
        string[] targets = [_a.BaseUrl + "/chat/completions", _b.BaseUrl + "/chat/completions"];
        Assert.Equal(_b.BaseUrl + "/chat/completions", spans.Single(s => s.Name == "fallbackRequest").Str("fallback.http.url"));
        Assert.Equal(targets.Order(), spans.Where(s => s.Name == "Model").Select(s => s.Str("tfy.model.request_url")).Order());
        Assert.Equal(targets.Order(), spans.Where(s => s.Name == "Network Call").Select(s => s.Str("url.full")).Order());
        var exported = string.Join("\n", _receiver.RawBodies.Select(Encoding.UTF8.GetString));
        var stored = string.Join("\n", (await gateway.WaitForStoredSpansAsync(SpanQueries.TraceFilter(traceId), 7)).Select(s => s.GetRawText()));
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, exported, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
        }
    }
}
