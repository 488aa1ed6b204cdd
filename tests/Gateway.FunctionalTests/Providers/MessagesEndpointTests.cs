using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Anthropic;
using Anthropic.Models.Messages;
using Gateway.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Usage = Gateway.FunctionalTests.Infrastructure.FakeAnthropic.Usage;
using static Gateway.FunctionalTests.Infrastructure.FakeAnthropic;

namespace Gateway.FunctionalTests.Providers;

/// <summary>
/// <c>POST /v1/messages</c> through the official Anthropic .NET SDK, unchanged but for its base URL: passed
/// through to an Anthropic upstream, and translated both ways to an OpenAI-compatible one (and the mock).
/// </summary>
public sealed class MessagesEndpointTests : IAsyncLifetime
{
    private const string ClientKey = "gw-client-key";
    private FakeUpstream _anthropic = null!;
    private FakeUpstream _openAi = null!;
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync()
    {
        _anthropic = await FakeUpstream.StartAsync();
        _openAi = await FakeUpstream.StartAsync();
        _gateway = await GatewayUnderTest.StartAsync($$"""
            server:
              sse_keepalive_ms: 0
            auth:
              api_keys:
                - key: ${CLIENT_KEY}
                  subject: user:dev@example.com
                  admin: true
            providers:
              - name: claude
                type: anthropic
                base_url: {{_anthropic.BaseUrl}}
                api_key: sk-ant-upstream
                models:
                  - name: sonnet
                    upstream_model: claude-sonnet-4-5
              - name: fake
                type: openai
                base_url: {{_openAi.BaseUrl}}
                api_key: sk-openai-upstream
                models:
                  - name: gpt-4o
                    upstream_model: gpt-4o-2024
              - name: mock
                type: mock
                token_delay_ms: 1
                models: [echo]
            virtual_models:
              - name: openai-only
                routing_config:
                  type: priority-based-routing
                  load_balance_targets:
                    - target: fake/gpt-4o
              - name: claude-second
                routing_config:
                  type: priority-based-routing
                  load_balance_targets:
                    - target: fake/gpt-4o
                    - target: claude/sonnet
            """, new Dictionary<string, string> { ["CLIENT_KEY"] = ClientKey });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _anthropic.DisposeAsync();
        await _openAi.DisposeAsync();
    }

    /// <summary>Claude Code's way: ANTHROPIC_BASE_URL and the key in x-api-key (ANTHROPIC_API_KEY).</summary>
    private AnthropicClient Sdk(bool bearer = false) => bearer
        ? new AnthropicClient { BaseUrl = _gateway.BaseUrl.ToString().TrimEnd('/'), AuthToken = ClientKey, ApiKey = null, MaxRetries = 0 }
        : new AnthropicClient { BaseUrl = _gateway.BaseUrl.ToString().TrimEnd('/'), ApiKey = ClientKey, MaxRetries = 0 };

    private static MessageCreateParams Params(string model, string prompt, IReadOnlyList<ToolUnion>? tools = null) => new()
    {
        Model = model,
        MaxTokens = 256,
        System = "Be brief.",
        Messages = [new UserMessageParam(prompt)],
        Tools = tools?.ToList(),
    };

    private static readonly ToolUnion s_weather = new Tool
    {
        Name = "get_weather",
        Description = "Weather of a city",
        InputSchema = new InputSchema { Properties = new Dictionary<string, JsonElement> { ["city"] = JsonDocument.Parse("""{"type":"string"}""").RootElement } },
    };

    [Fact]
    public async Task AnthropicUpstream_PassesThrough_AndTheUpstreamGetsItsOwnKey()
    {
        _anthropic.Handler = (ctx, body) => Answer(ctx, body, [Text("Hi there")], usage: new Usage(Input: 5, Output: 2, CacheRead: 40));

        var message = await Sdk().Messages.Create(Params("claude/sonnet", "hello"));

        Assert.True(message.Content[0].TryPickText(out var text));
        Assert.Equal("Hi there", text!.Text);
        Assert.Equal(40, message.Usage.CacheReadInputTokens);
        var sent = Assert.Single(_anthropic.Requests);
        Assert.Equal("/v1/messages", sent.Path);
        Assert.Equal("sk-ant-upstream", sent.Headers["x-api-key"]);
        Assert.NotEqual(ClientKey, sent.Headers["x-api-key"]);
        var body = Request(sent);
        Assert.Equal("claude-sonnet-4-5", (string?)body["model"]);
        Assert.Equal("Be brief.", (string?)body["system"]);
    }

    [Fact]
    public async Task AnthropicUpstream_Streaming_ToolUseAndInputJsonDeltas_PassThrough()
    {
        _anthropic.Handler = (ctx, body) => Answer(ctx, body, [Text("Checking"), ToolUse("toolu_9", "get_weather", "{\"city\":", " \"Oslo\"}")], stopReason: "tool_use");

        var (text, tools, stop) = await CollectAsync(Sdk().Messages.CreateStreaming(Params("claude/sonnet", "weather?", [s_weather])));

        Assert.Equal("Checking", text);
        Assert.Equal([("toolu_9", "get_weather", """{"city": "Oslo"}""")], tools);
        Assert.Equal("tool_use", stop);
    }

    [Fact]
    public async Task OpenAIUpstream_TranslatedBothWays_WithToolCalls()
    {
        _openAi.Handler = (ctx, _) =>
        {
            ctx.Response.ContentType = "application/json";
            return ctx.Response.WriteAsync("""
                {"id":"chatcmpl-7","object":"chat.completion","model":"gpt-4o-2024","choices":[{"index":0,"message":{"role":"assistant","content":"Let me look.",
                "tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}},{"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Bergen\"}"}}]},
                "finish_reason":"tool_calls"}],"usage":{"prompt_tokens":30,"completion_tokens":9,"total_tokens":39,"prompt_tokens_details":{"cached_tokens":20}}}
                """);
        };

        var message = await Sdk(bearer: true).Messages.Create(Params("fake/gpt-4o", "weather in Oslo and Bergen?", [s_weather]));

        Assert.Equal("tool_use", message.StopReason?.Raw());
        Assert.True(message.Content[0].TryPickText(out var text));
        Assert.Equal("Let me look.", text!.Text);
        Assert.True(message.Content[2].TryPickToolUse(out var second));
        Assert.Equal(("call_2", "get_weather", "Bergen"), (second!.ID, second.Name, second.Input["city"].GetString()));
        Assert.Equal((10, 20, 9), (message.Usage.InputTokens, message.Usage.CacheReadInputTokens, message.Usage.OutputTokens));
        var sent = Assert.Single(_openAi.Requests);
        Assert.Equal("/v1/chat/completions", sent.Path);
        Assert.Equal("Bearer sk-openai-upstream", sent.Headers["Authorization"]);
        var body = Request(sent);
        Assert.Equal("gpt-4o-2024", (string?)body["model"]);
        Assert.Equal("""[{"role":"system","content":"Be brief."},{"role":"user","content":"weather in Oslo and Bergen?"}]""", body["messages"]!.ToJsonString());
        Assert.Equal("get_weather", (string?)body["tools"]![0]!["function"]!["name"]);
    }

    [Fact]
    public async Task OpenAIUpstream_Streaming_ToolCallFragmentsBecomeInputJsonDeltas()
    {
        _openAi.Handler = (ctx, _) => Sse.WriteAsync(ctx,
        [
            """{"id":"c1","model":"gpt-4o-2024","choices":[{"index":0,"delta":{"role":"assistant","content":"On it"},"finish_reason":null}]}""",
            """{"id":"c1","model":"gpt-4o-2024","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}""",
            """{"id":"c1","model":"gpt-4o-2024","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]},"finish_reason":null}]}""",
            """{"id":"c1","model":"gpt-4o-2024","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Oslo\"}"}}]},"finish_reason":null}]}""",
            """{"id":"c1","model":"gpt-4o-2024","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Rome\"}"}}]},"finish_reason":null}]}""",
            """{"id":"c1","model":"gpt-4o-2024","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}""",
            // The usage chunk has no choices (a translation that indexes choices[0] crashes here).
            """{"id":"c1","model":"gpt-4o-2024","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":8,"total_tokens":20}}""",
        ]);

        var (text, tools, stop) = await CollectAsync(Sdk().Messages.CreateStreaming(Params("fake/gpt-4o", "weather?", [s_weather])));

        Assert.Equal("On it", text);
        Assert.Equal([("call_a", "get_weather", """{"city":"Oslo"}"""), ("call_b", "get_weather", """{"city":"Rome"}""")], tools);
        Assert.Equal("tool_use", stop);
        var body = Request(Assert.Single(_openAi.Requests));
        Assert.True((bool)body["stream_options"]!["include_usage"]!);
    }

    [Fact]
    public async Task ToolRoundTrip_ResultsGoBackAsToolMessages()
    {
        _openAi.Handler = (ctx, _) => FakeResponses.Completion(ctx, "Oslo is 5C");
        var parameters = new MessageCreateParams
        {
            Model = "fake/gpt-4o",
            MaxTokens = 100,
            Messages =
            [
                new UserMessageParam("weather in Oslo?"),
                new AssistantMessageParam(new List<ContentBlockParam>
                {
                    new ToolUseBlockParam { ID = "toolu_1", Name = "get_weather", Input = new Dictionary<string, JsonElement> { ["city"] = JsonDocument.Parse("\"Oslo\"").RootElement } },
                }),
                new UserMessageParam(new List<ContentBlockParam> { new ToolResultBlockParam { ToolUseID = "toolu_1", Content = "5C" } }),
            ],
            Tools = [s_weather],
        };

        var message = await Sdk().Messages.Create(parameters);

        Assert.True(message.Content[0].TryPickText(out var text));
        Assert.Equal("Oslo is 5C", text!.Text);
        var messages = Request(Assert.Single(_openAi.Requests))["messages"]!;
        Assert.Equal(["user", "assistant", "tool"], messages.AsArray().Select(m => (string?)m!["role"]));
        var call = messages[1]!["tool_calls"]![0]!;
        Assert.Equal(("toolu_1", "get_weather"), ((string?)call["id"], (string?)call["function"]!["name"]));
        Assert.Equal("Oslo", (string?)JsonNode.Parse((string)call["function"]!["arguments"]!)!["city"]);
        Assert.Equal(("toolu_1", "5C"), ((string?)messages[2]!["tool_call_id"], (string?)messages[2]!["content"]));
    }

    [Fact]
    public async Task CountTokens_PassesThroughToAnthropic()
    {
        _anthropic.Handler = (ctx, _) =>
        {
            ctx.Response.ContentType = "application/json";
            return ctx.Response.WriteAsync("""{"input_tokens":42}""");
        };

        var count = await Sdk().Messages.CountTokens(new MessageCountTokensParams { Model = "claude/sonnet", Messages = [new UserMessageParam("count me")] });

        Assert.Equal(42, count.InputTokens);
        var sent = Assert.Single(_anthropic.Requests);
        Assert.Equal("/v1/messages/count_tokens", sent.Path);
        Assert.Equal("claude-sonnet-4-5", (string?)Request(sent)["model"]);
    }

    [Fact]
    public async Task CountTokens_ForAModelWhoseProviderHasNone_Is400()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages/count_tokens") { Content = new StringContent("""{"model":"fake/gpt-4o","messages":[{"role":"user","content":"x"}]}""") };
        request.Headers.Add("x-api-key", ClientKey);

        using var response = await _gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("does not support count_tokens requests", await response.Content.ReadAsStringAsync());
        Assert.Empty(_openAi.Requests);
    }

    [Fact]
    public async Task CountTokens_ThroughAVirtualModel_GoesToTheTargetThatServesIt_Or400()
    {
        _anthropic.Handler = (ctx, _) =>
        {
            ctx.Response.ContentType = "application/json";
            return ctx.Response.WriteAsync("""{"input_tokens":7}""");
        };
        async Task<(HttpStatusCode Status, string Body)> Count(string model)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages/count_tokens") { Content = new StringContent($$"""{"model":"{{model}}","messages":[{"role":"user","content":"x"}]}""") };
            request.Headers.Add("x-api-key", ClientKey);
            using var response = await _gateway.Client.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        // The first target (OpenAI) has no count_tokens: the Anthropic one behind it answers.
        var (status, body) = await Count("claude-second");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("\"input_tokens\":7", body);
        // No target serves it: a 400 naming the model, not a 500.
        (status, body) = await Count("openai-only");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("No target of the model 'openai-only' serves count_tokens requests", body);
        Assert.Empty(_openAi.Requests);
    }

    [Fact]
    public async Task MockUpstream_Streams()
    {
        var (text, _, stop) = await CollectAsync(Sdk().Messages.CreateStreaming(Params("mock/echo", "ping")));

        Assert.Equal("This is a mock response from echo. You said: ping", text);
        Assert.Equal("end_turn", stop);
    }

    [Fact]
    public async Task UpstreamError_ReachesTheSdkWithItsStatus()
    {
        _anthropic.Handler = (ctx, _) => FakeAnthropic.Error(ctx, 429, "rate_limit_error", "slow down");

        var e = await Assert.ThrowsAnyAsync<Anthropic.Exceptions.AnthropicApiException>(() => Sdk().Messages.Create(Params("claude/sonnet", "hi")));

        Assert.Contains("slow down", e.Message);
    }

    [Fact]
    public async Task WithoutAKey_Is401_AndAWrongKeyInXApiKeyToo()
    {
        using var none = await _gateway.Client.PostAsync("/v1/messages", new StringContent("""{"model":"mock/echo","max_tokens":5,"messages":[{"role":"user","content":"x"}]}"""));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages") { Content = new StringContent("""{"model":"mock/echo","max_tokens":5,"messages":[{"role":"user","content":"x"}]}""") };
        request.Headers.Add("x-api-key", "wrong");
        using var wrong = await _gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
    }

    [Fact]
    public async Task Spans_AsForChat_WithTimeToFirstTokenFromAnthropicEvents()
    {
        _anthropic.Handler = (ctx, body) => Answer(ctx, body, [Text("a", "b", "c")], usage: new Usage(Input: 3, Output: 3, CacheRead: 7, CacheCreation: 2));

        await CollectAsync(Sdk().Messages.CreateStreaming(Params("claude/sonnet", "hi")));

        var spans = await Poll.ForAsync(() => _gateway.QuerySpansAsync("", ClientKey), s => s.Count(IsModelOrRoot) >= 2, s => $"{s.Count} spans");
        var model = spans.Single(s => s.GetProperty("spanName").GetString() == "Model").GetProperty("spanAttributes");
        var root = spans.Single(s => s.GetProperty("spanName").GetString() == "chatCompletions").GetProperty("spanAttributes");
        Assert.Equal("ChatCompletion", root.GetProperty("tfy.span_type").GetString());
        Assert.True(model.GetProperty("tfy.model.metric.time_to_first_token_in_ms").GetDouble() > 0);
        Assert.Equal(12, model.GetProperty("tfy.model.metric.input_tokens").GetInt64());
        Assert.Equal(7, model.GetProperty("tfy.model.metric.cache_read_input_tokens").GetInt64());
        Assert.Equal(2, model.GetProperty("tfy.model.metric.cache_creation_input_tokens").GetInt64());
        Assert.Equal(3, model.GetProperty("tfy.model.metric.output_tokens").GetInt64());
        Assert.Equal("end_turn", model.GetProperty("gen_ai.response.finish_reasons")[0].GetString());
    }

    private static bool IsModelOrRoot(JsonElement span) => span.GetProperty("spanName").GetString() is "Model" or "chatCompletions";

    /// <summary>The text, the tool calls (id, name, assembled input JSON) and the stop reason of a streamed message.</summary>
    private static async Task<(string Text, List<(string, string, string)> Tools, string? Stop)> CollectAsync(IAsyncEnumerable<RawMessageStreamEvent> events)
    {
        var text = "";
        var tools = new List<(string Id, string Name, string Json)>();
        string? stop = null;
        await foreach (var e in events)
        {
            if (e.TryPickContentBlockStart(out var start) && start!.ContentBlock.TryPickToolUse(out var use)) tools.Add((use!.ID, use.Name, ""));
            if (e.TryPickContentBlockDelta(out var delta))
            {
                if (delta!.Delta.TryPickText(out var t)) text += t!.Text;
                if (delta.Delta.TryPickInputJson(out var json)) tools[^1] = tools[^1] with { Json = tools[^1].Json + json!.PartialJson };
            }
            if (e.TryPickDelta(out var messageDelta)) stop = messageDelta!.Delta.StopReason?.Raw();
        }
        return (text, tools, stop);
    }
}
