using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Gateway.FunctionalTests.Infrastructure;
using Gateway.FunctionalTests.Tracing.Otlp;
using static Gateway.FunctionalTests.Tracing.TracingSetup;

namespace Gateway.FunctionalTests.Tracing;

/// <summary>OTLP export: protocols, headers, secrets, content capture, and a collector that is down.</summary>
[Collection(TracingCollection.Name)]
public sealed class ExportTests : IAsyncLifetime
{
    private FakeUpstream _upstream = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _upstream.Handler = JsonAnswer("""{"id":"x","model":"gpt-4o-2024","choices":[{"index":0,"message":{"role":"assistant","content":"The answer is 42, as everyone knows."},"finish_reason":"stop"}],"usage":{"prompt_tokens":7,"completion_tokens":9}}""");
    }

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    private const string Body = """{"model":"fake/gpt-4o","messages":[{"role":"system","content":"Be helpful and precise."},{"role":"user","content":"What is the answer to everything?"}]}""";

    [Fact]
    public async Task Grpc_ExportsOverHttp2()
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: true);
        await using var gateway = await GatewayUnderTest.StartAsync(GatewayConfig(_upstream), Env(receiver, ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", receiver.Origin)));

        using var response = await gateway.Client.PostAsync("/v1/chat/completions", Json(Body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var spans = await receiver.WaitForTraceAsync(TraceIdSeenBy(_upstream), s => s.Count >= 3);
        Assert.Equal(["Model", "Network Call", "chatCompletions"], spans.Select(s => s.Name).Order());
        Assert.All(receiver.Protocols, p => Assert.Equal("HTTP/2", p));
        Assert.Equal("application/grpc", receiver.RequestHeaders.First()["content-type"]);
    }

    [Fact]
    public async Task HeadersReachTheCollector_AndNoSecretReachesAnySpan()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var gateway = await GatewayUnderTest.StartAsync(GatewayConfig(_upstream),
            Env(receiver, ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-api-key=collector-secret-91,x-tfy-project=p1")));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json(Body) };
        request.Headers.Add("Authorization", "Bearer sk-client-secret-5521");
        request.Headers.Add("x-api-key", "sk-client-other-secret-77");

        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Bearer " + ProviderKey, _upstream.Requests.Last().Headers["Authorization"]);
        await receiver.WaitForTraceAsync(TraceIdSeenBy(_upstream), s => s.Count >= 3);
        var headers = receiver.RequestHeaders.First();
        Assert.Equal("collector-secret-91", headers["x-api-key"]);
        Assert.Equal("p1", headers["x-tfy-project"]);
        // Every byte the collector got, decoded or not: no credential of any party.
        foreach (var body in receiver.RawBodies)
        {
            var text = Encoding.UTF8.GetString(body);
            Assert.DoesNotContain("sk-client-secret-5521", text);
            Assert.DoesNotContain("sk-client-other-secret-77", text);
            Assert.DoesNotContain(ProviderKey, text);
            Assert.DoesNotContain("collector-secret-91", text);
            Assert.DoesNotContain("Bearer", text);
        }
        Assert.DoesNotContain(receiver.Spans.SelectMany(s => s.Attributes.Keys), k => k.Contains("authorization", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task ContentCaptureOff_KeepsRolesAndMetrics_DropsText()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var gateway = await GatewayUnderTest.StartAsync(GatewayConfig(_upstream, "tracing:\n  capture_content: false"), Env(receiver));

        using var response = await gateway.Client.PostAsync("/v1/chat/completions", Json(Body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var spans = await receiver.WaitForTraceAsync(TraceIdSeenBy(_upstream), s => s.Count >= 3);
        var root = spans.Single(s => s.Name == "chatCompletions");
        var model = spans.Single(s => s.Name == "Model");
        Assert.Equal("system", root.Str("gen_ai.prompt.0.role"));
        Assert.Equal("assistant", root.Str("gen_ai.completion.0.role"));
        Assert.Equal("stop", root.Str("gen_ai.completion.0.finish_reason"));
        Assert.Equal(9, model.Int("tfy.model.metric.output_tokens"));
        Assert.Equal(2, root.Events.Count);
        var all = spans.SelectMany(s => s.Attributes.Values.Concat(s.Events.SelectMany(e => e.Attributes.Values))).OfType<string>().ToList();
        Assert.DoesNotContain(all, v => v.Contains("answer", StringComparison.Ordinal) || v.Contains("helpful", StringComparison.Ordinal));
        Assert.Null(root["tfy.input"]);
        Assert.Null(root["tfy.output"]);
        Assert.Null(root["tfy.input_short_hand"]);
    }

    [Fact]
    public async Task ContentIsCutAtMaxContentChars()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var gateway = await GatewayUnderTest.StartAsync(GatewayConfig(_upstream, "tracing:\n  max_content_chars: 16\n  default_project_fqn: acme:tracing-project:prod"), Env(receiver));

        using var response = await gateway.Client.PostAsync("/v1/chat/completions", Json(Body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var spans = await receiver.WaitForTraceAsync(TraceIdSeenBy(_upstream), s => s.Count >= 3);
        var root = spans.Single(s => s.Name == "chatCompletions");
        Assert.Equal("What is the answ", root.Str("gen_ai.prompt.1.content"));
        Assert.Equal("The answer is 42", root.Str("gen_ai.completion.0.content"));
        Assert.Equal(16, root.Str("tfy.input")!.Length);
        Assert.Equal(16, root.Str("tfy.output")!.Length);
        Assert.All(spans, s => Assert.Equal("acme:tracing-project:prod", s.Str("tfy.tracing_project_fqn")));
    }

    [Fact]
    public async Task CollectorDown_RequestsSucceedAndFailuresAreCounted()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var env = new Dictionary<string, string>
        {
            ["ENABLE_OTEL_TRACING"] = "true",
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = $"http://127.0.0.1:{port}/v1/traces",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "20",
            ["OTEL_BSP_MAX_QUEUE_SIZE"] = "8",
            ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"] = "4",
            ["OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"] = "2000",
        };
        await using var gateway = await GatewayUnderTest.StartAsync(GatewayConfig(_upstream), env);

        var sw = Stopwatch.StartNew();
        for (var i = 0; i < 30; i++)
        {
            using var response = await gateway.Client.PostAsync("/v1/chat/completions", Json(Body));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        sw.Stop();
        // 30 local requests; a blocked request path would take 2 s (export timeout) per batch.
        Assert.True(sw.ElapsedMilliseconds < 5000, $"30 requests took {sw.ElapsedMilliseconds} ms");

        if (gateway.App is { } app)
        {
            var stats = app.Telemetry.Processor!.Stats;
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (stats.FailedSpans + stats.DroppedSpans < 90 && DateTime.UtcNow < deadline) await Task.Delay(50);
            Assert.Equal(90, stats.FailedSpans + stats.DroppedSpans + app.Telemetry.Processor.Queued);
            Assert.Equal(0, stats.ExportedSpans);
            Assert.True(stats.FailedSpans > 0);
        }
        else
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!Logged(gateway, "Span export failed") && DateTime.UtcNow < deadline) await Task.Delay(50);
            Assert.True(Logged(gateway, "Span export failed"), string.Join('\n', gateway.Output));
        }

        static bool Logged(GatewayUnderTest g, string text)
        {
            lock (g.Output) return g.Output.Any(l => l.Contains(text, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task InvalidOtelEnvironment_FailsStartupNamingTheVariable()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var error = await Record.ExceptionAsync(() =>
            GatewayUnderTest.StartAsync(GatewayConfig(_upstream), Env(receiver, ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"))));
        // In process the start throws the configuration error; the binary exits at once printing it.
        Assert.IsType(GatewayUnderTest.UsesBinary ? typeof(InvalidOperationException) : typeof(Gateway.Config.ConfigException), error);
        Assert.Contains("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", error.Message);
    }
}
