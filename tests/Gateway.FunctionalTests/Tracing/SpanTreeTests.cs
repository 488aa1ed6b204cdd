using System.Net;
using Gateway.FunctionalTests.Infrastructure;
using Gateway.FunctionalTests.Tracing.Otlp;
using static Gateway.FunctionalTests.Tracing.TracingSetup;

namespace Gateway.FunctionalTests.Tracing;

/// <summary>The span tree of seed 003 and the attributes of seeds 000 and 003, as a real collector receives them.</summary>
[Collection(TracingCollection.Name)]
public sealed class SpanTreeTests : IAsyncLifetime
{
    private FakeUpstream _upstream = null!;
    private OtlpReceiver _receiver = null!;
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _receiver = await OtlpReceiver.StartAsync();
        _gateway = await GatewayUnderTest.StartAsync(GatewayConfig(_upstream), Env(_receiver));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _receiver.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private const string Request = """
        {"model":"fake/gpt-4o","max_tokens":200,"temperature":0.1,"top_p":1,"messages":[
          {"role":"system","content":"You are a geography assistant."},
          {"role":"user","content":"What is the capital of France?"}]}
        """;

    [Fact]
    public async Task NonStream_RootModelAndNetworkSpans_WithSeedAttributes()
    {
        _upstream.Handler = JsonAnswer("""{"id":"chatcmpl-abc","object":"chat.completion","model":"gpt-4o-2024","choices":[{"index":0,"message":{"role":"assistant","content":"Paris."},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17}}""");

        using var response = await _gateway.Client.PostAsync("/v1/chat/completions", Json(Request));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var traceId = TraceIdSeenBy(_upstream);
        var spans = await _receiver.WaitForTraceAsync(traceId, s => s.Count >= 3);
        Assert.Equal(3, spans.Count);
        var root = Assert.Single(spans, s => s.Name == "chatCompletions");
        var model = Assert.Single(spans, s => s.Name == "Model");
        var network = Assert.Single(spans, s => s.Name == "Network Call");

        // Tree and kinds (seed 003: Chat Completion -> Model -> Network Call).
        Assert.Equal("", root.ParentSpanId);
        Assert.Equal(root.SpanId, model.ParentSpanId);
        Assert.Equal(model.SpanId, network.ParentSpanId);
        Assert.Equal(ReceivedSpan.KindServer, root.Kind);
        Assert.Equal(ReceivedSpan.KindInternal, model.Kind);
        Assert.Equal(ReceivedSpan.KindClient, network.Kind);
        Assert.All(spans, s => Assert.Equal("gateway-under-test", s.Resource["service.name"]));
        Assert.All(spans, s => Assert.Equal("Gateway", s.ScopeName));
        Assert.All(spans, s => Assert.Equal("default:tracing-project:default", s.Str("tfy.tracing_project_fqn")));
        Assert.All(spans, s => Assert.NotEqual(ReceivedSpan.StatusError, s.StatusCode));
        Assert.True(root.StartUnixNano <= model.StartUnixNano && model.StartUnixNano <= network.StartUnixNano);
        Assert.True(network.EndUnixNano <= model.EndUnixNano && model.EndUnixNano <= root.EndUnixNano);

        // Root: seed 000 chatCompletions attributes.
        Assert.Equal("ChatCompletion", root.Str("tfy.span_type"));
        Assert.Equal("fake/gpt-4o", root.Str("gen_ai.request.model"));
        Assert.Equal(200, root.Int("gen_ai.request.max_tokens"));
        Assert.Equal(0.1, root.Double("gen_ai.request.temperature"));
        Assert.Equal(1.0, root.Double("gen_ai.request.top_p"));
        Assert.Equal("chat", root.Str("gen_ai.operation.name"));
        Assert.Equal("openai", root.Str("gen_ai.system"));
        Assert.Equal("openai", root.Str("gen_ai.provider.name"));
        Assert.Equal("system", root.Str("gen_ai.prompt.0.role"));
        Assert.Equal("You are a geography assistant.", root.Str("gen_ai.prompt.0.content"));
        Assert.Equal("user", root.Str("gen_ai.prompt.1.role"));
        Assert.Equal("What is the capital of France?", root.Str("gen_ai.prompt.1.content"));
        Assert.Equal("assistant", root.Str("gen_ai.completion.0.role"));
        Assert.Equal("Paris.", root.Str("gen_ai.completion.0.content"));
        Assert.Equal("stop", root.Str("gen_ai.completion.0.finish_reason"));
        Assert.Equal(["gen_ai.system.message", "gen_ai.user.message"], root.Events.Select(e => e.Name));
        Assert.Equal("You are a geography assistant.", root.Events[0].Attributes["content"]);
        Assert.Equal("What is the capital of France?", root.Events[1].Attributes["content"]);
        Assert.Equal("openai", root.Events[1].Attributes["gen_ai.system"]);
        // Seed 003 on the root.
        Assert.Contains("\"What is the capital of France?\"", root.Str("tfy.input"));
        Assert.Equal("What is the capital of France?", root.Str("tfy.input_short_hand"));
        Assert.Equal("""{"role":"assistant","content":"Paris.","finish_reason":"stop"}""", root.Str("tfy.output"));
        Assert.Equal("fake/gpt-4o", root.Str("tfy.request.model_name"));
        Assert.Equal("user:anonymous", root.Str("tfy.request.created_by_subject"));
        Assert.Equal(200, root.Int("http.response.status_code"));
        Assert.Null(root["tfy.error_message"]);

        // Model: tokens, metrics, cost, model identity.
        Assert.Equal("Model", model.Str("tfy.span_type"));
        Assert.Equal("fake/gpt-4o", model.Str("tfy.model.id"));
        Assert.Equal("gpt-4o", model.Str("tfy.model.name"));
        Assert.Equal("fake/gpt-4o", model.Str("tfy.model.fqn"));
        Assert.Equal(_upstream.BaseUrl + "/chat/completions", model.Str("tfy.model.request_url"));
        Assert.Equal(false, model.Bool("tfy.model.streaming"));
        Assert.Equal("ChatCompletion", model.Str("tfy.model.request_type"));
        Assert.Equal("gpt-4o-2024", model.Str("gen_ai.request.model"));
        Assert.Equal(12, model.Int("tfy.model.metric.input_tokens"));
        Assert.Equal(5, model.Int("tfy.model.metric.output_tokens"));
        Assert.Equal(12, model.Int("gen_ai.usage.input_tokens"));
        Assert.Equal(5, model.Int("gen_ai.usage.output_tokens"));
        Assert.Equal((12 * 2.5 + 5 * 10.0) / 1_000_000, model.Double("tfy.model.metric.cost_in_usd")!.Value, 12);
        Assert.True(model.Double("tfy.model.metric.latency_in_ms") > 0);
        Assert.Null(model["tfy.model.metric.time_to_first_token_in_ms"]);
        Assert.Equal("chatcmpl-abc", model.Str("gen_ai.response.id"));
        Assert.Equal("gpt-4o-2024", model.Str("gen_ai.response.model"));
        Assert.Equal(["stop"], (object?[])model["gen_ai.response.finish_reasons"]!);
        Assert.Equal(200, model.Int("http.response.status_code"));
        Assert.Equal("user:anonymous", model.Str("tfy.request.created_by_subject"));
        Assert.Equal(root.Str("tfy.input"), model.Str("tfy.input"));
        Assert.Equal(root.Str("tfy.output"), model.Str("tfy.output"));

        // Network call: the upstream HTTP request, and the traceparent the upstream saw is this span's.
        Assert.Equal("POST", network.Str("http.request.method"));
        Assert.Equal(_upstream.BaseUrl + "/chat/completions", network.Str("url.full"));
        Assert.Equal("127.0.0.1", network.Str("server.address"));
        Assert.Equal(new Uri(_upstream.Origin).Port, network.Int("server.port"));
        Assert.Equal(200, network.Int("http.response.status_code"));
        Assert.Equal($"00-{traceId}-{network.SpanId}-01", _upstream.Requests.Last().Headers["traceparent"]);
    }

    [Fact]
    public async Task Stream_WithToolCalls_AssemblesArgumentFragmentsOnTheRoot()
    {
        const string id = "chatcmpl-s1";
        _upstream.Handler = SseAnswer(
            (0, Chunk(id, """ "choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]""")),
            (5, Chunk(id, """ "choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]},"finish_reason":null}]""")),
            (5, Chunk(id, """ "choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]},"finish_reason":null}]""")),
            (5, Chunk(id, """ "choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_2","type":"function","function":{"name":"get_time","arguments":"{}"}}]},"finish_reason":null}]""")),
            (0, Chunk(id, """ "choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]""")),
            (0, Chunk(id, """ "choices":[],"usage":{"prompt_tokens":20,"completion_tokens":9,"total_tokens":29}""")),
            (0, "[DONE]"));
        const string request = """
            {"model":"fake/gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[
              {"role":"user","content":[{"type":"text","text":"Weather in Paris?"}]},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_0","type":"function","function":{"name":"lookup","arguments":"{\"q\":1}"}}]},
              {"role":"tool","tool_call_id":"call_0","content":"sunny"},
              {"role":"critic","content":"be brief"}],
             "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]}
            """;

        using var response = await _gateway.Client.PostAsync("/v1/chat/completions", Json(request));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("[DONE]", await response.Content.ReadAsStringAsync());

        var spans = await _receiver.WaitForTraceAsync(TraceIdSeenBy(_upstream), s => s.Count >= 3);
        var root = Assert.Single(spans, s => s.Name == "chatCompletions");
        var model = Assert.Single(spans, s => s.Name == "Model");

        Assert.Equal("tool_calls", root.Str("gen_ai.completion.0.finish_reason"));
        Assert.Equal("get_weather", root.Str("gen_ai.completion.0.tool_calls.0.name"));
        Assert.Equal("call_1", root.Str("gen_ai.completion.0.tool_calls.0.id"));
        Assert.Equal("""{"city":"Paris"}""", root.Str("gen_ai.completion.0.tool_calls.0.arguments"));
        Assert.Equal("get_time", root.Str("gen_ai.completion.0.tool_calls.1.name"));
        Assert.Equal("call_2", root.Str("gen_ai.completion.0.tool_calls.1.id"));
        Assert.Equal("{}", root.Str("gen_ai.completion.0.tool_calls.1.arguments"));
        // The prompt: text parts joined, replayed tool calls, the tool result, and an unknown role.
        Assert.Equal("Weather in Paris?", root.Str("gen_ai.prompt.0.content"));
        Assert.Equal("lookup", root.Str("gen_ai.prompt.1.tool_calls.0.name"));
        Assert.Equal("""{"q":1}""", root.Str("gen_ai.prompt.1.tool_calls.0.arguments"));
        Assert.Equal("tool", root.Str("gen_ai.prompt.2.role"));
        Assert.Equal("call_0", root.Str("gen_ai.prompt.2.tool_call_id"));
        Assert.Equal(
            ["gen_ai.user.message", "gen_ai.assistant.message", "gen_ai.tool.message", "gen_ai.unknown.message"],
            root.Events.Select(e => e.Name));
        Assert.Contains("lookup", (string)root.Events[1].Attributes["tool_calls"]!);
        Assert.Equal("call_0", root.Events[2].Attributes["id"]);
        Assert.Equal("critic", root.Events[3].Attributes["role"]);
        Assert.Contains("\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"", root.Str("tfy.output"));

        Assert.Equal(true, model.Bool("tfy.model.streaming"));
        Assert.Equal(20, model.Int("tfy.model.metric.input_tokens"));
        Assert.Equal(9, model.Int("tfy.model.metric.output_tokens"));
        Assert.Equal(["tool_calls"], (object?[])model["gen_ai.response.finish_reasons"]!);
        Assert.NotNull(model.Double("tfy.model.metric.time_to_first_token_in_ms"));
        Assert.NotNull(model.Double("tfy.model.metric.inter_token_latency_in_ms"));
    }

    [Fact]
    public async Task UpstreamError_MarksRootModelAndNetworkSpans()
    {
        _upstream.Handler = JsonAnswer("""{"error":{"message":"The server had an error while processing your request.","type":"server_error"}}""", 500);

        using var response = await _gateway.Client.PostAsync("/v1/chat/completions", Json(Request));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);

        var spans = await _receiver.WaitForTraceAsync(TraceIdSeenBy(_upstream), s => s.Count >= 3);
        var root = Assert.Single(spans, s => s.Name == "chatCompletions");
        var model = Assert.Single(spans, s => s.Name == "Model");
        var network = Assert.Single(spans, s => s.Name == "Network Call");
        Assert.All(spans, s => Assert.Equal(ReceivedSpan.StatusError, s.StatusCode));
        Assert.Equal("The server had an error while processing your request.", root.Str("tfy.error_message"));
        Assert.Equal(500, root.Int("http.response.status_code"));
        Assert.Equal("500", root.Str("error.type"));
        Assert.Equal(500, model.Int("http.response.status_code"));
        Assert.Equal("500", network.Str("error.type"));
        Assert.Null(root["gen_ai.completion.0.content"]);
        Assert.Null(model["tfy.model.metric.output_tokens"]);
    }

    [Fact]
    public async Task StreamCutMidway_RootAndModelRecordTheErrorAndThePartialOutput()
    {
        // Two tokens, then the upstream ends the response: no finish_reason, no [DONE].
        _upstream.Handler = SseAnswer(
            (0, Chunk("chatcmpl-cut", """ "choices":[{"index":0,"delta":{"role":"assistant","content":"Par"},"finish_reason":null}]""")),
            (5, Chunk("chatcmpl-cut", """ "choices":[{"index":0,"delta":{"content":"is"},"finish_reason":null}]""")));

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json(Request.Replace("\"top_p\":1", "\"top_p\":1,\"stream\":true")) };
        using var response = await _gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var (text, truncated) = await Sse.ReadRawAsync(response);
        Assert.True(truncated, "a failed stream must not end cleanly");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("stream_interrupted", text);
        var spans = await _receiver.WaitForTraceAsync(TraceIdSeenBy(_upstream), s => s.Count >= 3);
        var root = spans.Single(s => s.Name == "chatCompletions");
        var model = spans.Single(s => s.Name == "Model");
        Assert.Equal(ReceivedSpan.StatusError, root.StatusCode);
        Assert.Equal("stream_interrupted", root.Str("error.type"));
        Assert.Contains("ended before it was complete", root.Str("tfy.error_message"));
        Assert.Equal("Paris", root.Str("gen_ai.completion.0.content"));
        Assert.Equal(ReceivedSpan.StatusError, model.StatusCode);
        Assert.Equal("stream_interrupted", model.Str("error.type"));
        Assert.Contains("\"content\":\"Paris\"", model.Str("tfy.output"));
    }

    [Fact]
    public async Task UnreachableUpstream_GivesErrorSpansWithoutStatusCode()
    {
        // A port nothing listens on: bind one, note it, release it.
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var yaml = GatewayConfig(_upstream).Replace(_upstream.BaseUrl, $"http://127.0.0.1:{port}/v1");
        await using var gateway = await GatewayUnderTest.StartAsync(yaml, Env(_receiver));
        var traceId = RandomTraceId();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json(Request) };
        request.Headers.Add("traceparent", $"00-{traceId}-{RandomSpanId()}-01");

        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var spans = await _receiver.WaitForTraceAsync(traceId, s => s.Count >= 3);
        var model = Assert.Single(spans, s => s.Name == "Model");
        Assert.Equal("unreachable", model.Str("error.type"));
        Assert.Null(model["http.response.status_code"]);
        Assert.Equal(ReceivedSpan.StatusError, model.StatusCode);
        Assert.Equal(502, spans.Single(s => s.Name == "chatCompletions").Int("http.response.status_code"));
    }

    [Fact]
    public async Task CompletionAndEmbedding_HaveTheirOwnRoots()
    {
        var traceIds = new List<string>();
        foreach (var (path, body) in new[]
        {
            ("/v1/completions", """{"model":"mock/echo","prompt":"Say this is a test","max_tokens":7}"""),
            ("/v1/embeddings", """{"model":"mock/text-embedding-3-small","input":["first text","second"]}"""),
        })
        {
            var traceId = RandomTraceId();
            traceIds.Add(traceId);
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(body) };
            request.Headers.Add("traceparent", $"00-{traceId}-{RandomSpanId()}-01");
            using var response = await _gateway.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var completion = await _receiver.WaitForTraceAsync(traceIds[0], s => s.Count >= 3);
        var root = Assert.Single(completion, s => s.Name == "completions");
        Assert.Equal("Completion", root.Str("tfy.span_type"));
        Assert.Equal("text_completion", root.Str("gen_ai.operation.name"));
        Assert.Equal("Say this is a test", root.Str("gen_ai.prompt.0.content"));
        Assert.NotNull(root.Str("gen_ai.completion.0.content"));
        Assert.Equal("mock", root.Str("gen_ai.provider.name"));
        var model = Assert.Single(completion, s => s.Name == "Model");
        Assert.Equal("Completion", model.Str("tfy.model.request_type"));
        Assert.NotNull(model.Int("tfy.model.metric.output_tokens"));

        var embedding = await _receiver.WaitForTraceAsync(traceIds[1], s => s.Count >= 3);
        root = Assert.Single(embedding, s => s.Name == "embeddings");
        Assert.Equal("Embedding", root.Str("tfy.span_type"));
        Assert.Equal("embeddings", root.Str("gen_ai.operation.name"));
        Assert.Equal("second", root.Str("gen_ai.prompt.1.content"));
        Assert.Null(root["tfy.output"]);
        model = Assert.Single(embedding, s => s.Name == "Model");
        Assert.Equal("Embedding", model.Str("tfy.model.request_type"));
        Assert.NotNull(model.Int("tfy.model.metric.input_tokens"));
    }

    [Fact]
    public async Task UnknownModel_StillGivesAnErrorRoot()
    {
        var traceId = RandomTraceId();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json("""{"model":"nope/none","messages":[]}""") };
        request.Headers.Add("traceparent", $"00-{traceId}-{RandomSpanId()}-01");

        using var response = await _gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var root = Assert.Single(await _receiver.WaitForTraceAsync(traceId, s => s.Count >= 1));
        Assert.Equal("chatCompletions", root.Name);
        Assert.Equal(404, root.Int("http.response.status_code"));
        Assert.Contains("nope/none", root.Str("tfy.error_message"));
        Assert.Equal("nope/none", root.Str("gen_ai.request.model"));
    }
}
