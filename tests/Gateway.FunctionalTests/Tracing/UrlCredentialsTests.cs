using System.Net;
using System.Text;
using Gateway.FunctionalTests.Infrastructure;
using Gateway.FunctionalTests.Tracing.Otlp;
using static Gateway.FunctionalTests.Tracing.TracingSetup;

namespace Gateway.FunctionalTests.Tracing;

/// <summary>
/// Provider base URLs may hold credentials (user:password@) and keys in the query string. No span, exported
/// or stored, carries either: every URL on a span is scheme, host, port and path.
/// </summary>
[Collection(TracingCollection.Name)]
public sealed class UrlCredentialsTests : IAsyncLifetime
{
    private static readonly string[] s_secrets = ["pa55-secret-a", "qk-secret-a", "pa55-secret-b", "qk-secret-b"];

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

    private static string WithSecrets(FakeUpstream upstream, string name) =>
        upstream.BaseUrl.Replace("http://", $"http://{name}:pa55-secret-{name}@", StringComparison.Ordinal) + $"?key=qk-secret-{name}";

    [Fact]
    public async Task NoUrlOnAnySpan_CarriesUserInfoOrQuery()
    {
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
            virtual_models:
              - name: vm
                routing_config:
                  type: priority-based-routing
                  load_balance_targets:
                    - target: a/m
                      priority: 0
                      retry_config: {attempts: 0}
                    - {target: b/m, priority: 1}
            """;
        await using var gateway = await GatewayUnderTest.StartAsync(yaml, Env(_receiver));

        using var response = await gateway.Client.PostAsync("/v1/chat/completions", Json("""{"model":"vm","messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The key in the query still reaches the upstream, after the operation's path.
        Assert.Equal("/v1/chat/completions?key=qk-secret-b", _b.Requests.Last().Path);
        var traceId = TraceIdSeenBy(_b);
        var spans = await _receiver.WaitForTraceAsync(traceId, s => s.Count >= 7);
        Assert.Equal(_b.BaseUrl + "/chat/completions", spans.Single(s => s.Name == "fallbackRequest").Str("fallback.http.url"));
        string[] targets = [_a.BaseUrl + "/chat/completions", _b.BaseUrl + "/chat/completions"];
        Assert.Equal(targets.Order(), spans.Where(s => s.Name == "Model").Select(s => s.Str("tfy.model.request_url")).Order());
        Assert.Equal(targets.Order(), spans.Where(s => s.Name == "Network Call").Select(s => s.Str("url.full")).Order());
        var exported = string.Join("\n", _receiver.RawBodies.Select(Encoding.UTF8.GetString));
        var stored = await StoredTraceAsync(gateway, traceId, 7);
        foreach (var secret in s_secrets)
        {
            Assert.DoesNotContain(secret, exported, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
        }
    }

    /// <summary>The query API's answer for one trace, once it holds <paramref name="count"/> spans.</summary>
    private static async Task<string> StoredTraceAsync(GatewayUnderTest gateway, string traceId, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var start = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("O");
            using var content = new StringContent($$"""{"startTime":"{{start}}","traceIds":["{{traceId}}"]}""", Encoding.UTF8, "application/json");
            using var response = await gateway.Client.PostAsync("/api/svc/v1/spans/query", content);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, text);
            var stored = System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("data").GetArrayLength();
            if (stored >= count) return text;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"trace {traceId}: {stored} of {count} spans stored");
            await Task.Delay(20);
        }
    }
}
