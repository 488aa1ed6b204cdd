using System.Diagnostics;
using System.Net;
using Gateway.FunctionalTests.Infrastructure;
using Gateway.FunctionalTests.Tracing.Otlp;
using static Gateway.FunctionalTests.Tracing.TracingSetup;

namespace Gateway.FunctionalTests.Tracing;

/// <summary>TTFT and inter-token latency against an upstream with known delays; GenAI metrics over OTLP.</summary>
[Collection(TracingCollection.Name)]
public sealed class LatencyAndMetricsTests : IAsyncLifetime
{
    // The upstream sends headers and a role-only chunk at once, the first token after FirstTokenMs,
    // then Tokens - 1 more tokens GapMs apart.
    private const int FirstTokenMs = 300;
    private const int GapMs = 100;
    private const int Tokens = 5;
    // Below: timers only fire late, never early (allow 5 ms of rounding). Above: what the client itself
    // saw, which no load on the machine can make smaller than what the gateway measured inside it.

    private FakeUpstream _upstream = null!;
    private OtlpReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        const string id = "chatcmpl-t";
        var events = new List<(int, string)> { (0, Chunk(id, """ "choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]""")) };
        for (var i = 0; i < Tokens; i++)
        {
            events.Add((i == 0 ? FirstTokenMs : GapMs, Chunk(id, """ "choices":[{"index":0,"delta":{"content":"tok""" + i + """ "},"finish_reason":null}]""")));
        }
        events.Add((0, Chunk(id, """ "choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":4,"completion_tokens":""" + Tokens + "}")));
        events.Add((0, "[DONE]"));
        _upstream.Handler = SseAnswer([.. events]);
        _receiver = await OtlpReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private const string Body = """{"model":"fake/gpt-4o","stream":true,"messages":[{"role":"user","content":"count"}]}""";

    [Fact]
    public async Task TimeToFirstTokenAndInterTokenLatency_MatchTheUpstreamsDelays()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(GatewayConfig(_upstream), Env(_receiver));

        var (clientFirstTokenMs, clientTotalMs) = await StreamAsync(gateway);

        var spans = await _receiver.WaitForTraceAsync(TraceIdSeenBy(_upstream), s => s.Count >= 3);
        var model = spans.Single(s => s.Name == "Model");
        var ttft = model.Double("tfy.model.metric.time_to_first_token_in_ms")!.Value;
        var itl = model.Double("tfy.model.metric.inter_token_latency_in_ms")!.Value;
        var latency = model.Double("tfy.model.metric.latency_in_ms")!.Value;
        Assert.InRange(ttft, FirstTokenMs - 5, clientFirstTokenMs);
        Assert.InRange(latency, FirstTokenMs + (Tokens - 1) * GapMs - 5, clientTotalMs);
        Assert.InRange(itl, MinGapMs(clientFirstTokenMs), MaxGapMs(clientTotalMs));
        Assert.Equal(Tokens, model.Int("tfy.model.metric.output_tokens"));
    }

    /// <summary>
    /// Streams the request and times it as the client sees it: the first token's arrival and the end. The
    /// gateway's clock starts after the client's and sees each token before the client does, so these bound
    /// what it measures, however loaded the machine is.
    /// </summary>
    private static async Task<(double FirstTokenMs, double TotalMs)> StreamAsync(GatewayUnderTest gateway)
    {
        var client = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json(Body) };
        using var response = await gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var firstTokenMs = double.NaN;
        var events = await Sse.ReadAllAsync(response, e =>
        {
            if (double.IsNaN(firstTokenMs) && e.Contains("tok0", StringComparison.Ordinal)) firstTokenMs = client.Elapsed.TotalMilliseconds;
        });
        var totalMs = client.Elapsed.TotalMilliseconds;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(events, e => e.Contains("tok4", StringComparison.Ordinal));
        return (firstTokenMs, totalMs);
    }

    // latency >= ttft + (Tokens - 1) * gap and ttft >= FirstTokenMs - 5, so the client's total bounds the
    // mean gap (1 ms for the attempt starting just after the request).
    /// <summary>
    /// The least mean gap the gateway can measure: its last token comes at least FirstTokenMs + (Tokens - 1) *
    /// GapMs after its start, its first no later than the client saw it. A first token read late on a loaded
    /// machine (seen: 84 ms) bunches the next ones, so GapMs - 5 alone is not a bound.
    /// </summary>
    private static double MinGapMs(double clientFirstTokenMs) =>
        Math.Min(GapMs - 5, (FirstTokenMs + (Tokens - 1) * GapMs - 5 - clientFirstTokenMs - 1) / (Tokens - 1));

    private static double MaxGapMs(double clientTotalMs) => (clientTotalMs - (FirstTokenMs - 5) + 1) / (Tokens - 1);

    [Fact]
    public async Task GenAiMetrics_AreExportedOverOtlp()
    {
        var env = Env(_receiver, ("ENABLE_OTEL_METRICS", "true"), ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", _receiver.MetricsUrl), ("OTEL_METRIC_EXPORT_INTERVAL", "200"));
        await using var gateway = await GatewayUnderTest.StartAsync(GatewayConfig(_upstream), env);

        var (clientFirstTokenMs, clientTotalMs) = await StreamAsync(gateway);

        string[] names = ["gen_ai.client.token.usage", "gen_ai.client.operation.duration", "gen_ai.server.time_to_first_token", "gen_ai.server.time_per_output_token"];
        var metrics = await _receiver.WaitForMetricsAsync(m => names.All(n => m.Any(x => x.Name == n && x.Points.Sum(p => (long)p.Count) > 0)));
        var usage = metrics.Last(m => m.Name == "gen_ai.client.token.usage");
        Assert.Equal("{token}", usage.Unit);
        var input = usage.Points.Single(p => (string?)p.Attributes["gen_ai.token.type"] == "input");
        var output = usage.Points.Single(p => (string?)p.Attributes["gen_ai.token.type"] == "output");
        Assert.Equal(4, input.Sum);
        Assert.Equal(Tokens, output.Sum);
        Assert.Equal("chat", input.Attributes["gen_ai.operation.name"]);
        Assert.Equal("fake/gpt-4o", input.Attributes["gen_ai.request.model"]);
        Assert.Equal("openai", input.Attributes["gen_ai.provider.name"]);
        Assert.Equal("gpt-4o-2024", input.Attributes["gen_ai.response.model"]);

        var duration = metrics.Last(m => m.Name == "gen_ai.client.operation.duration");
        Assert.Equal("s", duration.Unit);
        Assert.InRange(duration.Points.Single().Sum, (FirstTokenMs + (Tokens - 1) * GapMs - 5) / 1000.0, clientTotalMs / 1000.0);
        var ttft = metrics.Last(m => m.Name == "gen_ai.server.time_to_first_token").Points.Single();
        Assert.InRange(ttft.Sum, (FirstTokenMs - 5) / 1000.0, clientFirstTokenMs / 1000.0);
        var tpot = metrics.Last(m => m.Name == "gen_ai.server.time_per_output_token").Points.Single();
        Assert.InRange(tpot.Sum, MinGapMs(clientFirstTokenMs) / 1000.0, MaxGapMs(clientTotalMs) / 1000.0);
        Assert.Equal("gateway-under-test", usage.Resource["service.name"]);
    }

    [Fact]
    public async Task GracefulStop_ExportsMetrics()
    {
        // The next periodic export would be in ten minutes: the points arrive because the host's MeterProvider
        // is disposed on the way out, and its OTLP reader exports once more.
        var env = Env(_receiver, ("ENABLE_OTEL_METRICS", "true"), ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", _receiver.MetricsUrl), ("OTEL_METRIC_EXPORT_INTERVAL", "600000"));
        await using var gateway = await GatewayUnderTest.StartAsync(GatewayConfig(_upstream), env);
        await StreamAsync(gateway);

        await gateway.StopAsync();

        var duration = Assert.Single(_receiver.Metrics, m => m.Name == "gen_ai.client.operation.duration");
        Assert.Equal(1, (long)duration.Points.Single().Count);
        Assert.Equal("gateway-under-test", duration.Resource["service.name"]);
    }
}
