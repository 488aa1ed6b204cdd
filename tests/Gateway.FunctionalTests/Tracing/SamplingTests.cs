using System.Net;
using Gateway.FunctionalTests.Infrastructure;
using Gateway.FunctionalTests.Tracing.Otlp;
using static Gateway.FunctionalTests.Tracing.TracingSetup;

namespace Gateway.FunctionalTests.Tracing;

/// <summary>
/// OTEL_TRACES_SAMPLER decides what is exported and the sampled flag sent upstream; the span store, on by
/// default with <c>sampling: all</c>, keeps every request whatever the sampler says.
/// </summary>
[Collection(TracingCollection.Name)]
public sealed class SamplingTests : IAsyncLifetime
{
    private const string Body = """{"model":"fake/gpt-4o","messages":[{"role":"user","content":"hi"}]}""";

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

    /// <param name="incoming">The client's traceparent flags ("01" sampled, "00" not), or null for no traceparent.</param>
    [Theory]
    [InlineData("always_off", null, null, false)]
    [InlineData("always_off", null, "01", false)]
    [InlineData("always_on", null, "00", true)]
    [InlineData("traceidratio", "0", null, false)]
    [InlineData("traceidratio", "0", "01", false)]
    [InlineData("traceidratio", "1", null, true)]
    [InlineData("parentbased_always_off", null, null, false)]
    [InlineData("parentbased_always_off", null, "01", true)]
    [InlineData("parentbased_traceidratio", "0", "01", true)]
    [InlineData("parentbased_traceidratio", "1", "00", false)]
    [InlineData("parentbased_always_on", null, "00", false)]
    [InlineData(null, null, null, true)]
    public async Task TheSamplerDecidesExportAndTheUpstreamFlag_TheStoreKeepsEveryRequest(string? sampler, string? arg, string? incoming, bool sampled)
    {
        var env = Env(_receiver);
        if (sampler is not null) env["OTEL_TRACES_SAMPLER"] = sampler;
        if (arg is not null) env["OTEL_TRACES_SAMPLER_ARG"] = arg;
        await using var gateway = await GatewayUnderTest.StartAsync(GatewayConfig(_upstream), env);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json(Body) };
        if (incoming is not null) request.Headers.Add("traceparent", $"00-{RandomTraceId()}-{RandomSpanId()}-{incoming}");

        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = _upstream.Requests.Last().Headers["traceparent"].Split('-');
        var traceId = sent[1];
        Assert.Equal(sampled ? "01" : "00", sent[3]);
        // Recorded either way: the store has the request's three spans with their attributes.
        var stored = await gateway.WaitForStoredSpansAsync(SpanQueries.TraceFilter(traceId), 3);
        Assert.Equal(["Model", "Network Call", "chatCompletions"], stored.Select(s => s.GetProperty("spanName").GetString()).Order());
        if (sampled)
        {
            var exported = await _receiver.WaitForTraceAsync(traceId, s => s.Count >= 3);
            Assert.Equal(sent[2], exported.Single(s => s.Name == "Network Call").SpanId);
        }
        else
        {
            // Shutdown flushes the export queue: whatever was queued has reached the receiver by now.
            await gateway.ShutdownAsync();
            Assert.DoesNotContain(_receiver.Spans, s => s.TraceId == traceId);
        }
    }

    [Fact]
    public async Task StoreSamplingSampled_KeepsOnlyWhatTheSamplerSamples()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gateway-test-spans-{Guid.NewGuid():N}.db");
        try
        {
            var yaml = GatewayConfig(_upstream) + $"\nspan_store:\n  path: {path}\n  sampling: sampled\n";
            await using var gateway = await GatewayUnderTest.StartAsync(yaml, Env(_receiver, ("OTEL_TRACES_SAMPLER", "parentbased_always_off")));

            using var dropped = await gateway.Client.PostAsync("/v1/chat/completions", Json(Body));
            var droppedTrace = TraceIdSeenBy(_upstream);
            var sampledTrace = RandomTraceId();
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json(Body) };
            request.Headers.Add("traceparent", $"00-{sampledTrace}-{RandomSpanId()}-01");
            using var kept = await gateway.Client.SendAsync(request);

            Assert.Equal(HttpStatusCode.OK, dropped.StatusCode);
            Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
            Assert.EndsWith("-00", _upstream.Requests.First().Headers["traceparent"]);
            // The store writes in the order spans end: once the later request is in, the earlier one would be too.
            await gateway.WaitForStoredSpansAsync(SpanQueries.TraceFilter(sampledTrace), 3);
            Assert.Empty(await gateway.QuerySpansAsync(SpanQueries.TraceFilter(droppedTrace)));
            await _receiver.WaitForTraceAsync(sampledTrace, s => s.Count >= 3);
            Assert.DoesNotContain(_receiver.Spans, s => s.TraceId == droppedTrace);
        }
        finally
        {
            foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(path + suffix);
        }
    }
}
