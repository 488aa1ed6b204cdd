using System.Text;
using Gateway.FunctionalTests.Infrastructure;
using Gateway.FunctionalTests.Tracing.Otlp;
using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionalTests.Tracing;

/// <summary>
/// Tracing tests share the process-wide ActivitySource and Meter, so they run alone (one gateway with a
/// TracerProvider at a time), and their timing assertions do not compete with other tests for the CPU.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TracingCollection
{
    public const string Name = "Tracing";
}

internal static class TracingSetup
{
    public const string ProviderKey = "sk-test-provider-key-7f3a";

    /// <summary>Env for the gateway: tracing on, exporting to the receiver every 50 ms.</summary>
    public static Dictionary<string, string> Env(OtlpReceiver receiver, params (string Key, string Value)[] extra)
    {
        var env = new Dictionary<string, string>
        {
            ["ENABLE_OTEL_TRACING"] = "true",
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = receiver.TracesUrl,
            ["OTEL_SERVICE_NAME"] = "gateway-under-test",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "50",
        };
        foreach (var (k, v) in extra) env[k] = v;
        return env;
    }

    /// <summary>fake/gpt-4o (upstream gpt-4o-2024, priced 2.50 / 10.00 USD per million tokens) plus the mock provider.</summary>
    public static string GatewayConfig(FakeUpstream upstream, string tracing = "") => $$"""
        server:
          sse_keepalive_ms: 0
        {{tracing}}
        providers:
          - name: fake
            type: openai
            base_url: {{upstream.BaseUrl}}
            api_key: {{ProviderKey}}
            models:
              - name: gpt-4o
                upstream_model: gpt-4o-2024
                types: [chat, completion]
                price: {input_per_million_tokens: 2.5, output_per_million_tokens: 10}
          - name: mock
            type: mock
            token_delay_ms: 1
            models:
              - name: echo
                types: [chat, completion]
              - name: text-embedding-3-small
                types: [embedding]
        """;

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static Func<HttpContext, byte[], Task> JsonAnswer(string body, int status = 200) => async (ctx, _) =>
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(body);
    };

    /// <summary>An SSE answer: each event is written and flushed after its delay (ms since the previous one).</summary>
    public static Func<HttpContext, byte[], Task> SseAnswer(params (int DelayMs, string Data)[] events) => async (ctx, _) =>
    {
        ctx.Response.ContentType = "text/event-stream";
        await ctx.Response.StartAsync();
        foreach (var (delay, data) in events)
        {
            if (delay > 0) await Task.Delay(delay);
            await ctx.Response.WriteAsync("data: " + data + "\n\n");
            await ctx.Response.Body.FlushAsync();
        }
    };

    /// <summary>A chat.completion.chunk: <paramref name="fields"/> is the rest of the object, e.g. <c>"choices":[...]</c>.</summary>
    public static string Chunk(string id, string fields) =>
        "{\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-2024\"," + fields + "}";

    public static string RandomTraceId() => Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

    public static string RandomSpanId() => Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..16];

    /// <summary>Finds the trace id of a request by the traceparent the upstream received.</summary>
    public static string TraceIdSeenBy(FakeUpstream upstream) => upstream.Requests.Last().Headers["traceparent"].Split('-')[1];
}
