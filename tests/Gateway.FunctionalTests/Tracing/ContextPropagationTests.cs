using System.Net;
using Gateway.FunctionalTests.Infrastructure;
using Gateway.FunctionalTests.Tracing.Otlp;
using static Gateway.FunctionalTests.Tracing.TracingSetup;

namespace Gateway.FunctionalTests.Tracing;

/// <summary>W3C traceparent from the client becomes the root's parent; the upstream gets the network-call span's.</summary>
[Collection(TracingCollection.Name)]
public sealed class ContextPropagationTests : IAsyncLifetime
{
    private FakeUpstream _upstream = null!;
    private OtlpReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _upstream.Handler = JsonAnswer("""{"id":"x","model":"gpt-4o-2024","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1}}""");
        _receiver = await OtlpReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private const string Body = """{"model":"fake/gpt-4o","messages":[{"role":"user","content":"hi"}]}""";

    [Fact]
    public async Task ClientTraceparent_IsTheRootsParent_AndUpstreamGetsTheNetworkSpan()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(GatewayConfig(_upstream), Env(_receiver));
        var traceId = RandomTraceId();
        var clientSpan = RandomSpanId();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json(Body) };
        request.Headers.Add("traceparent", $"00-{traceId}-{clientSpan}-01");
        request.Headers.Add("tracestate", "vendor=abc");

        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var spans = await _receiver.WaitForTraceAsync(traceId, s => s.Count >= 3);
        var root = spans.Single(s => s.Name == "chatCompletions");
        var network = spans.Single(s => s.Name == "Network Call");
        Assert.Equal(clientSpan, root.ParentSpanId);
        Assert.Equal("vendor=abc", root.TraceState);
        var sent = _upstream.Requests.Last().Headers;
        Assert.Equal($"00-{traceId}-{network.SpanId}-01", sent["traceparent"]);
        Assert.Equal("vendor=abc", sent["tracestate"]);
    }

    [Fact]
    public async Task WithoutTraceparent_TheRootStartsATrace_AndUpstreamJoinsIt()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(GatewayConfig(_upstream), Env(_receiver));

        using var response = await gateway.Client.PostAsync("/v1/chat/completions", Json(Body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = _upstream.Requests.Last().Headers["traceparent"].Split('-');
        var spans = await _receiver.WaitForTraceAsync(sent[1], s => s.Count >= 3);
        Assert.Equal("", spans.Single(s => s.Name == "chatCompletions").ParentSpanId);
        Assert.Equal(sent[2], spans.Single(s => s.Name == "Network Call").SpanId);
    }

    [Fact]
    public async Task ATraceTheGatewayStarts_HasAnIdThatBeginsWithItsTime_AndARandomRest()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(GatewayConfig(_upstream), Env(_receiver));
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            using var response = await gateway.Client.PostAsync("/v1/chat/completions", Json(Body));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            ids.Add(_upstream.Requests.Last().Headers["traceparent"].Split('-')[1]);
        }

        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var id in ids)
        {
            // The span store's trace index takes the first 8 bytes: in time order, new traces land at its end.
            var ms = Convert.ToInt64(id[..12], 16);
            Assert.InRange(ms, before, after);
        }
        Assert.NotEqual(ids[0][16..], ids[1][16..]);
        Assert.True(string.CompareOrdinal(ids[0][..12], ids[1][..12]) <= 0, $"{ids[0]} then {ids[1]}");
    }

    [Fact]
    public async Task UnsampledClientTrace_IsPropagatedButNotExported()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(GatewayConfig(_upstream), Env(_receiver));
        var traceId = RandomTraceId();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json(Body) };
        request.Headers.Add("traceparent", $"00-{traceId}-{RandomSpanId()}-00");

        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = _upstream.Requests.Last().Headers["traceparent"];
        Assert.StartsWith($"00-{traceId}-", sent);
        Assert.EndsWith("-00", sent);
        // A sampled request afterwards proves the exporter ran; the unsampled trace must not be there.
        using var sampled = await gateway.Client.PostAsync("/v1/chat/completions", Json(Body));
        await _receiver.WaitForTraceAsync(TraceIdSeenBy(_upstream), s => s.Count >= 3);
        Assert.DoesNotContain(_receiver.Spans, s => s.TraceId == traceId);
    }

    [Fact]
    public async Task TracingOff_NoSpansAndNoTraceparentInvented()
    {
        // With the span store off too: the store alone records spans (and so propagates a trace) by default.
        await using var gateway = await GatewayUnderTest.StartAsync(GatewayConfig(_upstream) + "\nspan_store:\n  enabled: false\n", new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = _receiver.TracesUrl });

        using var response = await gateway.Client.PostAsync("/v1/chat/completions", Json(Body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(_upstream.Requests.Last().Headers.ContainsKey("traceparent"));
        // A stopped gateway has exported all it ever will (GracefulStop_ExportsQueuedSpans shows the flush).
        await gateway.StopAsync();
        Assert.Empty(_receiver.Spans);
    }

    [Fact]
    public async Task SpanStoreThatCannotOpen_WithExportOff_NoSpansAndNoTraceparentInvented()
    {
        // The store is on but cannot open (its path is a directory) and nothing exports: the tracer provider
        // exists (registered before the store opened) but listens to no source, as with tracing off.
        var directory = Directory.CreateTempSubdirectory("gateway-spans-bad-");
        try
        {
            await using var gateway = await GatewayUnderTest.StartAsync(GatewayConfig(_upstream) + $"\nspan_store:\n  path: '{directory.FullName}'\n",
                new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = _receiver.TracesUrl });

            using var response = await gateway.Client.PostAsync("/v1/chat/completions", Json(Body));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.False(_upstream.Requests.Last().Headers.ContainsKey("traceparent"));
            await gateway.StopAsync();
            Assert.Empty(_receiver.Spans);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task GracefulStop_ExportsQueuedSpans()
    {
        // Batches would leave only after ten minutes: the spans arrive because stopping flushes them.
        await using var gateway = await GatewayUnderTest.StartAsync(GatewayConfig(_upstream), Env(_receiver, ("OTEL_BSP_SCHEDULE_DELAY", "600000")));

        using (var response = await gateway.Client.PostAsync("/v1/chat/completions", Json(Body)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var traceId = TraceIdSeenBy(_upstream);
        await gateway.StopAsync();

        Assert.Equal(["Model", "Network Call", "chatCompletions"], _receiver.Spans.Where(s => s.TraceId == traceId).Select(s => s.Name).Order());
    }
}
