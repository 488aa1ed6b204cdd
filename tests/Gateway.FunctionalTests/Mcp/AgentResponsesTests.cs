using System.Net;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Mcp;

/// <summary>
/// The agent API end to end over real HTTP (in process, and the AOT binary with GATEWAY_BINARY): the mock model
/// plays agent (it calls the tool the user names), the tests' own MCP server (<see cref="FaultyMcpServer"/>)
/// runs the tools, and the spans are read back through the span query API.
/// </summary>
public sealed class AgentResponsesTests : IAsyncLifetime
{
    private FaultyMcpServer _mcp = null!;
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync()
    {
        _mcp = await FaultyMcpServer.StartAsync();
        _gateway = await GatewayUnderTest.StartAsync($$"""
            {{AgentCalls.MockProvider}}
            mcp_servers:
              - name: faulty
                url: {{_mcp.Url}}
                tools: [add, fail, slow, drop_session, echo_headers]
                caller_headers: [X-User-Token]
                tool_timeout_ms: 10000
            mcp_allowed_urls: ["http://127.0.0.1:*/mcp"]
            """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _mcp.DisposeAsync();
    }

    private static string Body(string userText, string extra = "", string servers = """[{"name":"faulty"}]""") =>
        $$"""{"model":"mock/gpt-4o","max_tokens":300,"temperature":0.2,"messages":[{"role":"user","content":"{{userText}}"}],"mcp_servers":{{servers}}{{extra}}}""";

    private async Task<List<JsonElement>> SpansAsync(string traceId, int count) =>
        await _gateway.WaitForStoredSpansAsync(SpanQueries.TraceFilter(traceId), count);

    [Fact]
    public async Task NonStream_calls_the_tool_and_answers_with_its_result_and_every_span()
    {
        var (status, body, traceId) = await AgentCalls.PostAsync(_gateway, Body("please add the numbers"));

        Assert.True(status == HttpStatusCode.OK, body);
        var answer = JsonDocument.Parse(body).RootElement;
        Assert.Equal("chat.completion", answer.GetProperty("object").GetString());
        var choice = answer.GetProperty("choices")[0];
        Assert.Equal("This is a mock response from gpt-4o. The tool returned: 4", choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(2, answer.GetProperty("iterations").GetInt32());
        var call = Assert.Single(answer.GetProperty("transcript").EnumerateArray());
        Assert.Equal(("add", "faulty", """{"a":2,"b":2}""", "4", false, 1),
            (call.GetProperty("name").GetString(), call.GetProperty("server").GetString(), call.GetProperty("arguments").GetString(), call.GetProperty("result").GetString(), call.GetProperty("is_error").GetBoolean(), call.GetProperty("iteration").GetInt32()));
        var usage = answer.GetProperty("usage");
        // Two turns: the tool call's 8 output tokens plus the answer's 11 words.
        Assert.Equal(8 + 11, usage.GetProperty("completion_tokens").GetInt64());
        Assert.True(usage.GetProperty("prompt_tokens").GetInt64() > 0);

        // agentResponsesHandler, MCP Server Initialization, Connect to MCP Server, List Tools, Tool Call: add, and two turns of Model + Network Call.
        var spans = await SpansAsync(traceId, 9);
        Assert.Equal(9, spans.Count);
        var root = Assert.Single(spans, s => s.Name() == "agentResponsesHandler");
        var init = Assert.Single(spans, s => s.Name() == "MCP Server Initialization");
        var connect = Assert.Single(spans, s => s.Name() == "Connect to MCP Server");
        var list = Assert.Single(spans, s => s.Name() == "List Tools");
        var tool = Assert.Single(spans, s => s.Name() == "Tool Call: add");
        var models = spans.Where(s => s.Name() == "Model").ToList();
        Assert.Equal(2, models.Count);
        Assert.Equal(2, spans.Count(s => s.Name() == "Network Call"));
        string Id(JsonElement s) => s.GetProperty("spanId").GetString()!;
        string Parent(JsonElement s) => s.GetProperty("parentSpanId").GetString()!;
        Assert.Equal(Id(root), Parent(init));
        Assert.Equal(Id(init), Parent(connect));
        Assert.Equal(Id(init), Parent(list));
        Assert.Equal(Id(root), Parent(tool));
        Assert.All(models, m => Assert.Equal(Id(root), Parent(m)));

        Assert.Equal("AgentResponse", root.Attr("tfy.span_type"));
        Assert.Equal("agentResponsesHandler", root.Attr("handler.name"));
        Assert.Equal("POST", root.Attr("request.method"));
        Assert.EndsWith("/agent/responses", root.Attr("request.url"));
        Assert.Equal("invoke_agent", root.Attr("gen_ai.operation.name"));
        Assert.Equal("user", root.Attr("gen_ai.prompt.0.role"));
        Assert.Equal("please add the numbers", root.Attr("gen_ai.prompt.0.content"));
        Assert.Equal("add", root.Attr("gen_ai.completion.0.tool_calls.0.name"));
        Assert.Equal(call.GetProperty("id").GetString(), root.Attr("gen_ai.completion.0.tool_calls.0.id"));
        Assert.Equal("""{"a":2,"b":2}""", root.Attr("gen_ai.completion.0.tool_calls.0.arguments"));
        Assert.Equal("tool_calls", root.Attr("gen_ai.completion.0.finish_reason"));
        Assert.Equal("assistant", root.Attr("gen_ai.completion.1.role"));
        Assert.Equal("This is a mock response from gpt-4o. The tool returned: 4", root.Attr("gen_ai.completion.1.content"));
        Assert.Equal("stop", root.Attr("gen_ai.completion.1.finish_reason"));
        Assert.Equal("19", root.Attr("gen_ai.usage.output_tokens"));

        var url = _mcp.Url;
        Assert.Equal("default:mcp-server:faulty", init.Attr("mcp_server_fqn"));
        Assert.Equal(url, connect.Attr("mcp_server_url"));
        Assert.Contains("\"add\"", list.Attr("tools"));
        Assert.DoesNotContain("protocol_error", list.Attr("tools"));
        Assert.Equal("6", list.Attr("tfy.mcp_server.metric.number_of_tools"));
        foreach (var mcp in new[] { init, connect, list, tool })
        {
            Assert.Equal("MCP", mcp.Attr("tfy.span_type"));
            Assert.Equal("faulty", mcp.Attr("tfy.mcp_server.id"));
            Assert.Equal("faulty", mcp.Attr("tfy.mcp_server.name"));
            Assert.Equal("faulty", mcp.Attr("tfy.mcp_server.server_name"));
            Assert.Equal("default:mcp-server:faulty", mcp.Attr("tfy.mcp_server.fqn"));
            Assert.Equal(url, mcp.Attr("tfy.mcp_server.url"));
        }
        Assert.Equal("tools/list", list.Attr("tfy.mcp_server.method"));
        Assert.Equal("add", tool.Attr("toolName"));
        Assert.Equal("""{"a":2,"b":2}""", tool.Attr("args"));
        Assert.Equal("faulty", tool.Attr("integrationId"));
        Assert.Equal("default:mcp-server:faulty", tool.Attr("integrationFqn"));
        Assert.Equal("4", tool.Attr("result"));
        Assert.Equal("success", tool.Attr("status"));
        Assert.Equal(url, tool.Attr("mcp_server_url"));
        Assert.Contains("\"fail\"", tool.Attr("tools"));
        Assert.Equal("tools/call", tool.Attr("tfy.mcp_server.method"));
        Assert.Equal("add", tool.Attr("tfy.mcp_server.primitive_name"));
        Assert.Equal("false", tool.Attr("tfy.mcp_server.is_tool_call_execution_error"));
        Assert.True(double.Parse(tool.Attr("tfy.mcp_server.metric.latency_in_ms")!, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal("5", tool.Attr("tfy.mcp_server.metric.number_of_tools"));
        Assert.Equal("execute_tool", tool.Attr("gen_ai.operation.name"));
        Assert.Equal("add", tool.Attr("gen_ai.tool.name"));
        Assert.Equal(call.GetProperty("id").GetString(), tool.Attr("gen_ai.tool.call.id"));
        Assert.Null(tool.Attr("tfy.mcp_server.error_code"));
        Assert.All(models, m => Assert.Equal("mock/gpt-4o", m.Attr("tfy.model.id")));
    }

    [Fact]
    public async Task Stream_relays_text_and_tool_events_then_done()
    {
        var (status, body, traceId) = await AgentCalls.PostAsync(_gateway, Body("add please", ""","stream":true"""), path: "/v1/agent/responses");

        Assert.True(status == HttpStatusCode.OK, body);
        var events = AgentCalls.Events(body);
        Assert.Equal("[DONE]", events[^1].Data);
        var toolCall = JsonDocument.Parse(Assert.Single(events, e => e.Event == "agent.tool_call").Data).RootElement;
        Assert.Equal(("agent.tool_call", "add", "faulty", """{"a":2,"b":2}"""), (toolCall.GetProperty("object").GetString(), toolCall.GetProperty("name").GetString(), toolCall.GetProperty("server").GetString(), toolCall.GetProperty("arguments").GetString()));
        var toolResult = JsonDocument.Parse(Assert.Single(events, e => e.Event == "agent.tool_result").Data).RootElement;
        Assert.Equal(toolCall.GetProperty("id").GetString(), toolResult.GetProperty("tool_call_id").GetString());
        Assert.Equal("4", toolResult.GetProperty("content").GetString());
        Assert.False(toolResult.GetProperty("is_error").GetBoolean());
        var chunks = events.Where(e => e.Event is null && e.Data != "[DONE]").Select(e => JsonDocument.Parse(e.Data).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        // Word by word, as the model streamed it: more than one text chunk.
        var texts = chunks.Select(c => c.GetProperty("choices")[0].GetProperty("delta")).Where(d => d.TryGetProperty("content", out _)).Select(d => d.GetProperty("content").GetString()).ToList();
        Assert.True(texts.Count > 5, string.Join("|", texts));
        Assert.Equal("This is a mock response from gpt-4o. The tool returned: 4", string.Concat(texts));
        // The tool events come before the answer's text.
        Assert.True(events.FindIndex(e => e.Event == "agent.tool_result") < events.FindIndex(e => e.Event is null && e.Data.Contains("\"content\"")));
        var last = chunks[^1];
        Assert.Equal("stop", last.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(19, last.GetProperty("usage").GetProperty("completion_tokens").GetInt64());
        Assert.Equal(2, last.GetProperty("iterations").GetInt32());

        var spans = await SpansAsync(traceId, 9);
        Assert.Single(spans, s => s.Name() == "Tool Call: add");
        Assert.Equal(2, spans.Count(s => s.Name() == "Model" && s.Attr("tfy.model.streaming") == "true"));
    }

    [Fact]
    public async Task A_failing_tool_goes_back_to_the_model_as_its_result_and_is_marked_on_the_span()
    {
        var (status, body, traceId) = await AgentCalls.PostAsync(_gateway, Body("fail now"), path: "/api/llm/agent/responses");

        Assert.True(status == HttpStatusCode.OK, body);
        var answer = JsonDocument.Parse(body).RootElement;
        var call = Assert.Single(answer.GetProperty("transcript").EnumerateArray());
        Assert.Equal("fail", call.GetProperty("name").GetString());
        Assert.True(call.GetProperty("is_error").GetBoolean());
        Assert.Equal("Error: fail now", call.GetProperty("result").GetString());
        Assert.Equal("This is a mock response from gpt-4o. The tool returned: Error: fail now", answer.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());

        var spans = await SpansAsync(traceId, 9);
        var tool = Assert.Single(spans, s => s.Name() == "Tool Call: fail");
        Assert.Equal("error", tool.Attr("status"));
        Assert.Equal("true", tool.Attr("tfy.mcp_server.is_tool_call_execution_error"));
        Assert.Equal("fail now", tool.Attr("result"));
        Assert.Equal("fail now", tool.Attr("tfy.error_message"));
    }

    [Fact]
    public async Task Max_iterations_stops_the_loop()
    {
        var (status, body, _) = await AgentCalls.PostAsync(_gateway, Body("add", ""","max_iterations":1"""));

        Assert.True(status == HttpStatusCode.OK, body);
        var answer = JsonDocument.Parse(body).RootElement;
        Assert.Equal(1, answer.GetProperty("iterations").GetInt32());
        Assert.Equal("max_iterations", answer.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.Null, answer.GetProperty("choices")[0].GetProperty("message").GetProperty("content").ValueKind);
        Assert.Equal("4", Assert.Single(answer.GetProperty("transcript").EnumerateArray()).GetProperty("result").GetString());
    }

    [Fact]
    public async Task A_session_the_server_dropped_is_initialized_again_in_the_trace_that_needed_it()
    {
        var (status, body, _) = await AgentCalls.PostAsync(_gateway, Body("drop_session"));
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal(1, _mcp.Initializations);

        (status, body, var traceId) = await AgentCalls.PostAsync(_gateway, Body("add"));

        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal("4", Assert.Single(JsonDocument.Parse(body).RootElement.GetProperty("transcript").EnumerateArray()).GetProperty("result").GetString());
        Assert.Equal(2, _mcp.Initializations);
        Assert.Contains(_mcp.Requests, r => r.Status == 404);
        // Root, Tool Call, its re-initialization (Initialization, Connect, List Tools), two turns.
        var spans = await SpansAsync(traceId, 9);
        var tool = Assert.Single(spans, s => s.Name() == "Tool Call: add");
        var init = Assert.Single(spans, s => s.Name() == "MCP Server Initialization");
        Assert.Equal(tool.GetProperty("spanId").GetString(), init.GetProperty("parentSpanId").GetString());
    }

    [Fact]
    public async Task Caller_headers_and_traceparent_reach_the_server()
    {
        var headers = new Dictionary<string, string> { ["x-tfy-mcp-headers"] = """{"faulty":{"X-User-Token":"from-header"}}""" };
        var (status, body, traceId) = await AgentCalls.PostAsync(_gateway, Body("echo_headers"), headers: headers);

        Assert.True(status == HttpStatusCode.OK, body);
        var result = JsonDocument.Parse(Assert.Single(JsonDocument.Parse(body).RootElement.GetProperty("transcript").EnumerateArray()).GetProperty("result").GetString()!).RootElement;
        Assert.Equal("from-header", result.GetProperty("x-user-token").GetString());
        // The tool call's own span is the parent the server sees.
        var spans = await SpansAsync(traceId, 9);
        var tool = Assert.Single(spans, s => s.Name() == "Tool Call: echo_headers");
        Assert.Equal($"00-{traceId}-{tool.GetProperty("spanId").GetString()}-01", result.GetProperty("traceparent").GetString());

        (status, body, _) = await AgentCalls.PostAsync(_gateway, Body("echo_headers", servers: """[{"name":"faulty","headers":{"Authorization":"Bearer stolen"}}]"""));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("mcp_header_not_allowed", JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("code").GetString());

        headers["x-tfy-mcp-headers"] = """{"faulty":{"Authorization":"Bearer stolen"}}""";
        (status, body, _) = await AgentCalls.PostAsync(_gateway, Body("echo_headers"), headers: headers);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("x-tfy-mcp-headers", JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task A_url_given_server_is_used_only_when_mcp_allowed_urls_lists_it()
    {
        var (status, body, _) = await AgentCalls.PostAsync(_gateway, Body("add", servers: $$"""[{"url":"{{_mcp.Url}}","tools":[{"name":"add"}]}]"""));
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal("4", Assert.Single(JsonDocument.Parse(body).RootElement.GetProperty("transcript").EnumerateArray()).GetProperty("result").GetString());

        var refused = _mcp.Url.Replace("/mcp", "/admin");
        var before = _mcp.Requests.Count;
        (status, body, _) = await AgentCalls.PostAsync(_gateway, Body("add", servers: $$"""[{"url":"{{refused}}"}]"""));

        Assert.Equal(HttpStatusCode.Forbidden, status);
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.Equal("mcp_url_not_allowed", error.GetProperty("code").GetString());
        Assert.Equal("mcp_servers[0].url", error.GetProperty("param").GetString());
        Assert.Equal(before, _mcp.Requests.Count);
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"x"}]}""", "missing_required_parameter", "model")]
    [InlineData("""{"model":"mock/gpt-4o","messages":[]}""", "invalid_value", "messages")]
    [InlineData("""{"model":"mock/gpt-4o","messages":[{"role":"user","content":"x"}],"max_iterations":0}""", "invalid_value", "max_iterations")]
    [InlineData("""{"model":"mock/gpt-4o","messages":[{"role":"user","content":"x"}],"mcp_servers":[{"name":"faulty","url":"http://127.0.0.1:1/mcp"}]}""", "invalid_value", "mcp_servers[0]")]
    [InlineData("""{"model":"mock/gpt-4o","messages":[{"role":"user","content":"x"}],"mcp_servers":[{"name":"nope"}]}""", "mcp_server_not_found", "mcp_servers[0].name")]
    [InlineData("""{"model":"mock/gpt-4o","messages":[{"role":"user","content":"x"}],"mcp_servers":[{"name":"faulty","tools":[{"name":"protocol_error"}]}]}""", "tool_not_found", "mcp_servers[0].tools[0].name")]
    [InlineData("""{"model":"mock/gpt-4o","messages":[{"role":"user","content":"x"}],"stream":"yes"}""", "invalid_value", "stream")]
    [InlineData("""{"model":"mock/gpt-4o","messages":""", "invalid_json", null)]
    public async Task Bad_input_is_an_openai_style_400(string json, string code, string? param)
    {
        var (status, body, _) = await AgentCalls.PostAsync(_gateway, json);

        Assert.True(status == HttpStatusCode.BadRequest, body);
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        if (param is not null) Assert.Equal(param, error.GetProperty("param").GetString());
    }
}
