using System.Net;
using System.Text;
using Gateway.FunctionalTests.Infrastructure;
using Gateway.FunctionalTests.Tracing;

namespace Gateway.FunctionalTests.Explorer;

/// <summary>
/// <c>GET /metrics</c> after real traffic, parsed as the Prometheus text format, with exact counts
/// (issue #16). In the tracing collection: the Meter name is process-wide, so in process no other
/// gateway may record while these tests count.
/// </summary>
[Collection(TracingCollection.Name)]
public sealed class MetricsEndpointTests
{
    private const string Key = "sk-metrics-test-91b2";

    private static string Config(string spanStore = "") => $$$"""
        server: {sse_keepalive_ms: 0}
        auth:
          api_keys:
            - {key: "${METRICS_KEY}", subject: "virtualaccount:scraper-test"}
        providers:
          - name: mock
            type: mock
            token_delay_ms: 1
            models: [echo]
          - name: down
            type: openai
            base_url: http://127.0.0.1:9/v1
            api_key: unused
            models: [gpt-4o]
        virtual_models:
          - name: metrics-fallback
            routing_config:
              type: priority-based-routing
              load_balance_targets:
                - {target: down/gpt-4o, priority: 0, retry_config: {attempts: 0}}
                - {target: mock/echo, priority: 1}
        {{{spanStore}}}
        """;

    private static readonly Dictionary<string, string> s_env = new() { ["METRICS_KEY"] = Key };

    [Fact]
    public async Task Scrape_after_traffic_counts_requests_attempts_fallbacks_and_genai_metrics()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(Config(), s_env);
        await Send(gateway, """{"model":"mock/echo","messages":[{"role":"user","content":"one"}]}""");
        await Send(gateway, """{"model":"mock/echo","messages":[{"role":"user","content":"two"}]}""");
        await Send(gateway, """{"model":"mock/echo","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"three"}]}""");
        await Send(gateway, """{"model":"metrics-fallback","messages":[{"role":"user","content":"four"}]}""");
        // A model nobody configured: counted, but under "unknown", never as client text.
        await Send(gateway, """{"model":"no-such-model-4f1e","messages":[{"role":"user","content":"five"}]}""", HttpStatusCode.NotFound);

        using var scrape = await gateway.Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.StartsWith("text/plain; version=0.0.4", scrape.Content.Headers.ContentType!.ToString());
        var text = await scrape.Content.ReadAsStringAsync();
        var m = PrometheusText.Parse(text);
        Assert.DoesNotContain("no-such-model-4f1e", text);

        const string requests = "gateway_requests_total";
        Assert.Equal("counter", m.Types["gateway_requests_total"]);
        Assert.Equal(3, m.Sum(requests, ("gen_ai_request_model", "mock/echo"), ("http_response_status_code", "200"), ("subject_type", "virtualaccount"), ("gen_ai_operation_name", "chat")));
        Assert.Equal(1, m.Sum(requests, ("gen_ai_request_model", "metrics-fallback"), ("http_response_status_code", "200")));
        Assert.Equal(1, m.Sum(requests, ("gen_ai_request_model", "unknown"), ("http_response_status_code", "404")));
        Assert.Equal(5, m.Sum(requests));

        Assert.Equal(1, m.Sum("gateway_fallbacks_total", ("gen_ai_request_model", "metrics-fallback"), ("gateway_target", "mock/echo")));
        Assert.Equal(1, m.Sum("gateway_upstream_attempts_total", ("gateway_target", "down/gpt-4o"), ("gateway_attempt_outcome", "unreachable")));
        Assert.Equal(4, m.Sum("gateway_upstream_attempts_total", ("gateway_target", "mock/echo"), ("gateway_attempt_outcome", "delivered"), ("http_response_status_code", "200")));

        // The GenAI histograms (Tracing/GenAiMetrics.cs), with OTLP export off.
        Assert.Equal("histogram", m.Types["gen_ai_client_operation_duration_seconds"]);
        Assert.Equal(3, m.Sum("gen_ai_client_operation_duration_seconds_count", ("gen_ai_request_model", "mock/echo")));
        Assert.Equal(1, m.Sum("gen_ai_client_operation_duration_seconds_count", ("gen_ai_request_model", "unknown"), ("error_type", "404")));
        Assert.Equal(3, m.Sum("gen_ai_client_operation_duration_seconds_bucket", ("gen_ai_request_model", "mock/echo"), ("le", "+Inf")));
        Assert.Equal(3, m.Sum("gen_ai_client_token_usage_count", ("gen_ai_request_model", "mock/echo"), ("gen_ai_token_type", "output")));
        Assert.True(m.Sum("gen_ai_client_token_usage_sum", ("gen_ai_request_model", "mock/echo"), ("gen_ai_token_type", "output")) >= 3);
        Assert.Equal(1, m.Sum("gen_ai_server_time_to_first_token_seconds_count", ("gen_ai_request_model", "mock/echo")));
        Assert.Equal(1, m.Sum("gen_ai_server_time_per_output_token_seconds_count", ("gen_ai_request_model", "mock/echo")));

        // Queues and config.
        Assert.True(m.Has("gateway_span_store_queue_depth"));
        Assert.Equal(0, m.Sum("gateway_span_store_dropped_total"));
        var config = Assert.Single(m.Samples, s => s.Name == "gateway_config_info");
        Assert.Equal(1, config.Value);
        Assert.Equal("1", config.Labels["version"]);
        Assert.Matches("^[0-9a-f]{12}$", config.Labels["hash"]);
        Assert.Equal(1, m.Sum("gateway_config_version"));
    }

    [Fact]
    public async Task Metrics_are_recorded_with_the_span_store_and_tracing_off_and_need_no_key()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(Config("span_store: {enabled: false}"), s_env);
        await Send(gateway, """{"model":"mock/echo","messages":[{"role":"user","content":"one"}]}""");

        // Scraped without a key: Prometheus scrapes like a probe; the series hold no content.
        using var scrape = await gateway.Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        var m = PrometheusText.Parse(await scrape.Content.ReadAsStringAsync());
        Assert.Equal(1, m.Sum("gateway_requests_total", ("gen_ai_request_model", "mock/echo")));
        Assert.Equal(1, m.Sum("gen_ai_client_operation_duration_seconds_count", ("gen_ai_request_model", "mock/echo")));
        Assert.False(m.Has("gateway_span_store_queue_depth"));

        using var post = await gateway.Client.PostAsync("/metrics", new StringContent(""));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal("GET", post.Content.Headers.Allow.Single());
        // Only the root path: /v1/metrics is not an OpenAI route.
        using var v1 = await gateway.Client.GetAsync("/v1/metrics");
        Assert.Equal(HttpStatusCode.NotFound, v1.StatusCode);
    }

    [Fact]
    public async Task Target_info_carries_the_resource_that_otlp_export_uses()
    {
        // One MeterProvider (the host's) behind /metrics and OTLP: one resource, from the OTEL_* environment.
        var env = new Dictionary<string, string>(s_env) { ["OTEL_SERVICE_NAME"] = "metrics-under-test", ["OTEL_RESOURCE_ATTRIBUTES"] = "deployment.environment=test" };
        await using var gateway = await GatewayUnderTest.StartAsync(Config("span_store: {enabled: false}"), env);

        using var scrape = await gateway.Client.GetAsync("/metrics");

        var m = PrometheusText.Parse(await scrape.Content.ReadAsStringAsync());
        var target = Assert.Single(m.Samples, s => s.Name == "target_info");
        Assert.Equal("metrics-under-test", target.Labels["service_name"]);
        Assert.Equal("test", target.Labels["deployment_environment"]);
        Assert.Matches("^[0-9a-f-]{36}$", target.Labels["service_instance_id"]);
    }

    [InProcessFact(Reason = "Two gateways in one process: what only happens in process (tests, embedding).")]
    public async Task Two_gateways_in_one_process_each_scrape_only_their_own_meters()
    {
        // Each provider listens by meter name, which both gateways' meters share; before the owner's view, the idle
        // gateway counted the busy one's requests and reported both gateways' config gauges (a flaky reload test).
        await using var busy = await GatewayUnderTest.StartAsync(Config(), s_env);
        await using var idle = await GatewayUnderTest.StartAsync(Config(), s_env);
        await Send(busy, """{"model":"mock/echo","messages":[{"role":"user","content":"one"}]}""");
        await Send(busy, """{"model":"mock/echo","messages":[{"role":"user","content":"two"}]}""");

        var busyMetrics = PrometheusText.Parse(await busy.Client.GetStringAsync("/metrics"));
        var idleMetrics = PrometheusText.Parse(await idle.Client.GetStringAsync("/metrics"));

        Assert.Equal(2, busyMetrics.Sum("gateway_requests_total"));
        Assert.Equal(2, busyMetrics.Sum("gen_ai_client_operation_duration_seconds_count"));
        Assert.Equal(0, idleMetrics.Sum("gateway_requests_total"));
        Assert.Equal(0, idleMetrics.Sum("gen_ai_client_operation_duration_seconds_count"));
        Assert.Single(idleMetrics.Samples, s => s.Name == "gateway_config_info");
        Assert.Equal(1, idleMetrics.Sum("gateway_config_version"));
    }

    private static async Task Send(GatewayUnderTest gateway, string body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", Key);
        using var response = await gateway.Client.SendAsync(request);
        await response.Content.ReadAsStringAsync();
        Assert.Equal(expected, response.StatusCode);
    }
}
