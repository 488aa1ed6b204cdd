using System.ClientModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Http;
using OpenAI;
using OpenAI.Chat;
using static Gateway.FunctionalTests.Infrastructure.FakeAnthropic;

namespace Gateway.FunctionalTests.Providers;

/// <summary>
/// <c>type: anthropic</c> behind the OpenAI chat endpoint: the official OpenAI SDK, unchanged, against a real
/// HTTP server that answers as Anthropic's Messages API does (<see cref="FakeAnthropic"/>).
/// </summary>
public sealed class AnthropicUpstreamTests : IAsyncLifetime
{
    private FakeUpstream _upstream = null!;
    private GatewayUnderTest _gateway = null!;

    private ChatClient Client => new("claude/sonnet", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = _gateway.OpenAIBase });

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _gateway = await GatewayUnderTest.StartAsync(Config(_upstream));
    }

    public static string Config(FakeUpstream upstream) => $$"""
        server:
          sse_keepalive_ms: 0
        providers:
          - name: claude
            type: anthropic
            base_url: {{upstream.BaseUrl}}
            api_key: sk-ant-test
            models:
              - name: sonnet
                upstream_model: claude-sonnet-4-5
        """;

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private static readonly ChatTool s_weather = ChatTool.CreateFunctionTool("get_weather", "Weather of a city",
        BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""));

    [Fact]
    public async Task Text_NonStreaming_TranslatedBothWays()
    {
        _upstream.Handler = (ctx, body) => Answer(ctx, body, [Text("Hello from Claude")], usage: new Usage(Input: 10, Output: 4, CacheRead: 5, CacheCreation: 3));

        ChatCompletion completion = await Client.CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("hi")]);

        Assert.Equal("Hello from Claude", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal("claude-sonnet-4-5-20250929", completion.Model);
        // OpenAI counts cached prompt tokens in the prompt: 10 uncached + 5 read + 3 written.
        Assert.Equal(18, completion.Usage.InputTokenCount);
        Assert.Equal(5, completion.Usage.InputTokenDetails.CachedTokenCount);
        Assert.Equal(4, completion.Usage.OutputTokenCount);
        var sent = Assert.Single(_upstream.Requests);
        Assert.Equal("/v1/messages", sent.Path);
        Assert.Equal("sk-ant-test", sent.Headers["x-api-key"]);
        Assert.Equal("2023-06-01", sent.Headers["anthropic-version"]);
        Assert.False(sent.Headers.ContainsKey("Authorization"));
        var request = Request(sent);
        Assert.Equal("claude-sonnet-4-5", (string?)request["model"]);
        Assert.Equal(4096, (int)request["max_tokens"]!);
        Assert.Equal("Be brief.", (string?)request["system"]![0]!["text"]);
        Assert.Equal("""[{"role":"user","content":[{"type":"text","text":"hi"}]}]""", request["messages"]!.ToJsonString());
    }

    [Fact]
    public async Task Text_Streaming_WithUsage()
    {
        _upstream.Handler = (ctx, body) => Answer(ctx, body, [Text("Hel", "lo", "!")], usage: new Usage(Input: 9, Output: 3, CacheRead: 2));

        var text = "";
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        await foreach (var update in Client.CompleteChatStreamingAsync([new UserChatMessage("hi")], new ChatCompletionOptions { MaxOutputTokenCount = 100 }))
        {
            foreach (var part in update.ContentUpdate) text += part.Text;
            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.Equal("Hello!", text);
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.Equal(3, usage!.OutputTokenCount);
        Assert.Equal(11, usage.InputTokenCount);
        var request = Request(Assert.Single(_upstream.Requests));
        Assert.True((bool)request["stream"]!);
        Assert.Equal(100, (int)request["max_tokens"]!);
    }

    [Fact]
    public async Task ParallelToolCalls_NonStreaming_AndTheRoundTripBack()
    {
        _upstream.Handler = (ctx, body) => Answer(ctx, body,
            [Text("Checking."), ToolUse("toolu_1", "get_weather", """{"city":"Paris"}"""), ToolUse("toolu_2", "get_weather", """{"city":"Rome"}""")], stopReason: "tool_use");
        var options = new ChatCompletionOptions { Tools = { s_weather }, ToolChoice = ChatToolChoice.CreateRequiredChoice() };
        List<ChatMessage> messages = [new UserChatMessage("Weather in Paris and Rome?")];

        ChatCompletion completion = await Client.CompleteChatAsync(messages, options);

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        Assert.Equal(["toolu_1", "toolu_2"], completion.ToolCalls.Select(c => c.Id));
        Assert.All(completion.ToolCalls, c => Assert.Equal("get_weather", c.FunctionName));
        Assert.Equal("""{"city":"Rome"}""", completion.ToolCalls[1].FunctionArguments.ToString());
        var first = Request(_upstream.Requests.Last());
        Assert.Equal("""[{"name":"get_weather","description":"Weather of a city","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}]""", first["tools"]!.ToJsonString());
        Assert.Equal("any", (string?)first["tool_choice"]!["type"]);

        // The second turn: the assistant's tool calls and both results go back as tool_use and tool_result blocks.
        messages.Add(new AssistantChatMessage(completion));
        messages.Add(new ToolChatMessage("toolu_1", "18C"));
        messages.Add(new ToolChatMessage("toolu_2", "24C"));
        _upstream.Handler = (ctx, body) => Answer(ctx, body, [Text("Paris 18C, Rome 24C.")]);

        ChatCompletion second = await Client.CompleteChatAsync(messages, new ChatCompletionOptions { Tools = { s_weather } });

        Assert.Equal("Paris 18C, Rome 24C.", second.Content[0].Text);
        var turns = Request(_upstream.Requests.Last())["messages"]!.AsArray();
        Assert.Equal(["user", "assistant", "user"], turns.Select(t => (string?)t!["role"]));
        Assert.Equal(
            """[{"type":"text","text":"Checking."},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}},{"type":"tool_use","id":"toolu_2","name":"get_weather","input":{"city":"Rome"}}]""",
            turns[1]!["content"]!.ToJsonString());
        Assert.Equal(
            """[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"18C"}]},{"type":"tool_result","tool_use_id":"toolu_2","content":[{"type":"text","text":"24C"}]}]""",
            turns[2]!["content"]!.ToJsonString());
    }

    [Fact]
    public async Task ParallelToolCalls_Streaming_InputJsonDeltasAssembleIntoArguments_WithStableIndexes()
    {
        _upstream.Handler = (ctx, body) => Answer(ctx, body,
            [Text("Let me check."), ToolUse("toolu_a", "get_weather", "{\"ci", "ty\": \"Par", "is\"}"), ToolUse("toolu_b", "get_weather", "", "{\"city\":", " \"Rome\"}")], stopReason: "tool_use");

        var ids = new Dictionary<int, string>();
        var arguments = new Dictionary<int, string>();
        var text = "";
        ChatFinishReason? finish = null;
        await foreach (var update in Client.CompleteChatStreamingAsync([new UserChatMessage("weather?")], new ChatCompletionOptions { Tools = { s_weather } }))
        {
            foreach (var part in update.ContentUpdate) text += part.Text;
            foreach (var call in update.ToolCallUpdates)
            {
                if (call.ToolCallId is { } id) ids[call.Index] = id;
                arguments[call.Index] = arguments.GetValueOrDefault(call.Index, "") + call.FunctionArgumentsUpdate?.ToString();
            }
            finish ??= update.FinishReason;
        }

        Assert.Equal("Let me check.", text);
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.Equal(new Dictionary<int, string> { [0] = "toolu_a", [1] = "toolu_b" }, ids);
        Assert.Equal("""{"city": "Paris"}""", arguments[0]);
        Assert.Equal("""{"city": "Rome"}""", arguments[1]);
    }

    [Fact]
    public async Task Thinking_IsPassedAsReasoningContent()
    {
        _upstream.Handler = (ctx, body) => Answer(ctx, body, [Thinking("Let me think"), Text("42")]);

        using var response = await _gateway.Client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"claude/sonnet","messages":[{"role":"user","content":"?"}],"thinking":{"type":"enabled","budget_tokens":1024}}"""));

        var message = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["choices"]![0]!["message"]!;
        Assert.Equal("42", (string?)message["content"]);
        Assert.Equal("Let me think", (string?)message["reasoning_content"]);
        Assert.Equal(1024, (int)Request(_upstream.Requests.Last())["thinking"]!["budget_tokens"]!);
    }

    [Fact]
    public async Task Image_DataUrl_BecomesABase64ImageBlock()
    {
        _upstream.Handler = (ctx, body) => Answer(ctx, body, [Text("a cat")]);
        var image = ChatMessageContentPart.CreateImagePart(BinaryData.FromBytes([1, 2, 3]), "image/png");

        await Client.CompleteChatAsync([new UserChatMessage(ChatMessageContentPart.CreateTextPart("what is it?"), image)]);

        var content = Request(_upstream.Requests.Last())["messages"]![0]!["content"]!;
        Assert.Equal("""{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AQID"}}""", content[1]!.ToJsonString());
    }

    [Fact]
    public async Task UpstreamError_IsAnOpenAIErrorWithTheSameStatus()
    {
        _upstream.Handler = (ctx, _) => FakeAnthropic.Error(ctx, 400, "invalid_request_error", "max_tokens: too large");

        var e = await Assert.ThrowsAsync<ClientResultException>(() => Client.CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(400, e.Status);
        var error = JsonNode.Parse(e.GetRawResponse()!.Content.ToString())!["error"]!;
        Assert.Equal("max_tokens: too large", (string?)error["message"]);
        Assert.Equal("invalid_request_error", (string?)error["type"]);
    }

    [Fact]
    public async Task ErrorEventMidStream_ReachesTheClientAsAnErrorEvent()
    {
        _upstream.Handler = async (ctx, _) =>
        {
            var events = Events([Text("partial")], "end_turn", new Usage(), "claude");
            ctx.Response.ContentType = "text/event-stream";
            foreach (var (name, data) in events.Take(4)) await ctx.Response.WriteAsync($"event: {name}\ndata: {data}\n\n");
            await ctx.Response.WriteAsync("event: error\ndata: " + ErrorJson("overloaded_error", "Overloaded") + "\n\n");
        };

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent("""{"model":"claude/sonnet","stream":true,"messages":[{"role":"user","content":"hi"}]}""") };
        using var response = await _gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var (body, truncated) = await Sse.ReadRawAsync(response);

        Assert.Contains("\"content\":\"partial\"", body);
        Assert.Contains("event: error\ndata: {\"error\":{\"message\":\"Overloaded\",\"type\":\"overloaded_error\"", body);
        Assert.True(truncated);
    }

    [Fact]
    public async Task StreamCutBeforeMessageStop_SdkRaises()
    {
        _upstream.Handler = (ctx, _) => StreamAsync(ctx, [Text("par", "tial")], "end_turn", new Usage(), "claude", stopAfter: 5);

        var e = await Record.ExceptionAsync(async () =>
        {
            await foreach (var _ in Client.CompleteChatStreamingAsync([new UserChatMessage("hi")])) { }
        });

        Assert.NotNull(e);
    }

    [Fact]
    public async Task ModelSpan_HasTokensAndBothCacheCounts()
    {
        _upstream.Handler = (ctx, body) => Answer(ctx, body, [Text("cached")], usage: new Usage(Input: 10, Output: 2, CacheRead: 100, CacheCreation: 30));

        await foreach (var _ in Client.CompleteChatStreamingAsync([new UserChatMessage("hi")])) { }

        var spans = await Poll.ForAsync(() => _gateway.QuerySpansAsync(""), s => s.Any(IsModel), _ => "no Model span stored");
        var attributes = spans.Single(IsModel).GetProperty("spanAttributes");
        Assert.Equal(100, attributes.GetProperty("tfy.model.metric.cache_read_input_tokens").GetInt64());
        Assert.Equal(30, attributes.GetProperty("tfy.model.metric.cache_creation_input_tokens").GetInt64());
        Assert.Equal(140, attributes.GetProperty("tfy.model.metric.input_tokens").GetInt64());
        Assert.Equal(2, attributes.GetProperty("tfy.model.metric.output_tokens").GetInt64());
        Assert.Equal("anthropic", attributes.GetProperty("gen_ai.system").GetString());
    }

    private static bool IsModel(JsonElement span) => span.GetProperty("spanName").GetString() == "Model";
}
