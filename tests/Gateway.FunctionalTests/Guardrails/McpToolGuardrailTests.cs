using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;
using Gateway.FunctionalTests.Mcp;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.FunctionalTests.Guardrails;

/// <summary>
/// The MCP tool hooks (mcp_tool_pre_invoke_guardrails, mcp_tool_post_invoke_guardrails) at both places the gateway
/// calls tools, over real HTTP (in process and against the AOT binary): the agent API, with the mock model playing
/// agent, and the MCP gateway endpoint. The tools are the tests' own MCP server's (<see cref="PageTools"/>), behind
/// three configured servers with the same URL so that each rule picks its server (or server:tool). Spans are read
/// back through the span query API.
/// </summary>
public sealed class McpToolGuardrailTests : IAsyncLifetime
{
    private const string Email = "jane.doe@example.com";
    private FaultyMcpServer _mcp = null!;
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync()
    {
        _mcp = await FaultyMcpServer.StartAsync(b => b.WithTools<PageTools>());
        _gateway = await GatewayUnderTest.StartAsync($$"""
            {{AgentCalls.MockProvider}}
            mcp_servers:
              - {name: redacting, url: "{{_mcp.Url}}", tools: [echo]}
              - {name: strict, url: "{{_mcp.Url}}", tools: [echo, fetch_page]}
              - {name: auditing, url: "{{_mcp.Url}}", tools: [fetch_page]}
            guardrails:
              configs:
                - {name: pii-redact, type: pii, operation: mutate, entities: [email]}
                - {name: pii-block, type: pii, entities: [email]}
                - {name: injection-audit, type: prompt_injection, enforcing_strategy: audit}
                - {name: injection-block, type: prompt_injection}
                - {name: no-mock-answers, type: deny_list, keywords: [mock response], stream_mode: hold}
              rules:
                - id: redact-arguments
                  when: {mcp_servers: [redacting]}
                  mcp_tool_pre_invoke_guardrails: [pii-redact]
                - id: strict-echo
                  when: {mcp_servers: ["strict:echo"]}
                  mcp_tool_pre_invoke_guardrails: [pii-block]
                - id: strict-pages
                  when: {mcp_servers: ["strict:fetch_page"]}
                  mcp_tool_post_invoke_guardrails: [injection-block]
                - id: audit-pages
                  when: {mcp_servers: [auditing]}
                  mcp_tool_post_invoke_guardrails: [injection-audit]
                - id: held-answers
                  when:
                    metadata: {case: held-output}
                  llm_output_guardrails: [no-mock-answers]
            """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _mcp.DisposeAsync();
    }

    private static string Body(string userText, string server) =>
        $$"""{"model":"mock/gpt-4o","max_tokens":300,"messages":[{"role":"user","content":"{{userText}}"}],"mcp_servers":[{"name":"{{server}}"}]}""";

    private int ToolCallsReceived => _mcp.Requests.Count(r => r.Method == "tools/call");

    /// <summary>The agent's answer and its single transcript entry.</summary>
    private async Task<(JsonElement Call, string Answer, string TraceId)> AgentAsync(string userText, string server)
    {
        var (status, body, traceId) = await AgentCalls.PostAsync(_gateway, Body(userText, server));
        Assert.True(status == HttpStatusCode.OK, body);
        var answer = JsonDocument.Parse(body).RootElement;
        var call = Assert.Single(answer.GetProperty("transcript").EnumerateArray());
        return (call.Clone(), answer.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!, traceId);
    }

    /// <summary>The agent trace's root, its Guardrail span(s) and the Tool Call span, once all <paramref name="count"/> spans are stored.</summary>
    private async Task<(JsonElement Root, List<JsonElement> Guardrails, JsonElement Tool)> AgentSpansAsync(string traceId, int count, string tool)
    {
        var spans = await _gateway.WaitForStoredSpansAsync(SpanQueries.TraceFilter(traceId), count);
        var root = Assert.Single(spans, s => s.Name() == "agentResponsesHandler");
        var guardrails = spans.Where(s => s.Attr("tfy.span_type") == "Guardrail").ToList();
        Assert.All(guardrails, g => Assert.Equal(root.GetProperty("spanId").GetString(), g.GetProperty("parentSpanId").GetString()));
        return (root, guardrails, Assert.Single(spans, s => s.Name() == "Tool Call: " + tool));
    }

    private static void AssertGuardrailSpan(JsonElement span, string name, string entity, string result)
    {
        Assert.Equal("Guardrail", span.Name());
        Assert.Equal(name, span.Attr("tfy.guardrail.fqn"));
        Assert.Equal(name, span.Attr("tfy.guardrail.name"));
        Assert.Equal(result, span.Attr("tfy.guardrail.result"));
        Assert.Equal("mcp_tool", span.Attr("tfy.guardrail.applied_on_entity.type"));
        Assert.Equal(entity, span.Attr("tfy.guardrail.applied_on_entity.id"));
        Assert.Equal(entity.Split(':')[1], span.Attr("tfy.guardrail.applied_on_entity.name"));
        Assert.Equal("apply_guardrail", span.Attr("gen_ai.operation.name"));
        Assert.NotNull(span.Attr("tfy.guardrail.metric.latency_in_ms"));
    }

    [Fact]
    public async Task Agent_pre_invoke_validate_blocks_the_call_and_the_model_gets_a_tool_error()
    {
        var before = ToolCallsReceived;

        var (call, answer, traceId) = await AgentAsync($"echo my address {Email}", "strict");

        Assert.True(call.GetProperty("is_error").GetBoolean());
        var result = call.GetProperty("result").GetString()!;
        Assert.Equal("Error: The tool call was blocked by guardrail 'pii-block': found email.", result);
        Assert.EndsWith(result, answer);
        Assert.DoesNotContain(Email, answer);
        // The server never saw the call.
        Assert.Equal(before, ToolCallsReceived);

        // root, init, connect, list, Guardrail, Tool Call: echo, two turns of Model + Network Call.
        var (root, guardrails, tool) = await AgentSpansAsync(traceId, 10, "echo");
        AssertGuardrailSpan(Assert.Single(guardrails), "pii-block", "strict:echo", "block");
        Assert.Equal("tool_call", guardrails[0].Attr("gen_ai.security.target.type"));
        Assert.Equal("""["pii-block"]""", root.Attr("tfy.triggered_guardrail_fqns"));
        Assert.Equal("error", tool.Attr("status"));
        Assert.Equal("guardrail_violation", tool.Attr("tfy.mcp_server.error_code"));
        Assert.Equal("false", tool.Attr("tfy.mcp_server.is_tool_call_execution_error"));
        Assert.Equal("""["pii-block"]""", tool.Attr("tfy.triggered_guardrail_fqns"));
        Assert.Equal("The tool call was blocked by guardrail 'pii-block': found email.", tool.Attr("tfy.error_message"));
        // The span stores the arguments redacted, though the blocking guardrail rewrote nothing.
        Assert.Equal("""{"text":"echo my address [EMAIL]"}""", tool.Attr("args"));
    }

    [Fact]
    public async Task Agent_pre_invoke_mutate_sends_the_server_the_redacted_arguments()
    {
        var (call, answer, traceId) = await AgentAsync($"echo my address {Email}", "redacting");

        Assert.False(call.GetProperty("is_error").GetBoolean());
        // The tool answers what it received: the redaction, not the address.
        Assert.Equal("server got: echo my address [EMAIL]", call.GetProperty("result").GetString());
        Assert.EndsWith("server got: echo my address [EMAIL]", answer);

        var (root, guardrails, tool) = await AgentSpansAsync(traceId, 10, "echo");
        AssertGuardrailSpan(Assert.Single(guardrails), "pii-redact", "redacting:echo", "mutate");
        Assert.Equal("""["pii-redact"]""", root.Attr("tfy.triggered_guardrail_fqns"));
        Assert.Equal("success", tool.Attr("status"));
        Assert.Equal("""{"text":"echo my address [EMAIL]"}""", tool.Attr("args"));
    }

    [Fact]
    public async Task Agent_post_invoke_injection_under_audit_is_flagged_and_the_result_passes()
    {
        var (call, answer, traceId) = await AgentAsync("fetch_page please", "auditing");

        Assert.False(call.GetProperty("is_error").GetBoolean());
        Assert.Equal(PageTools.InjectedPage, call.GetProperty("result").GetString());
        Assert.EndsWith(PageTools.InjectedPage, answer);

        var (root, guardrails, tool) = await AgentSpansAsync(traceId, 10, "fetch_page");
        AssertGuardrailSpan(Assert.Single(guardrails), "injection-audit", "auditing:fetch_page", "flag");
        Assert.Equal("tool_result", guardrails[0].Attr("gen_ai.security.target.type"));
        Assert.Equal("""["injection-audit"]""", root.Attr("tfy.triggered_guardrail_fqns"));
        Assert.Equal("success", tool.Attr("status"));
        Assert.Equal(PageTools.InjectedPage, tool.Attr("result"));
    }

    [Fact]
    public async Task Agent_post_invoke_injection_under_enforce_is_blocked_and_the_model_never_sees_it()
    {
        var before = ToolCallsReceived;

        var (call, answer, traceId) = await AgentAsync("fetch_page please", "strict");

        Assert.True(call.GetProperty("is_error").GetBoolean());
        var result = call.GetProperty("result").GetString()!;
        Assert.StartsWith("Error: The tool result was blocked by guardrail 'injection-block': ", result);
        Assert.DoesNotContain("Ignore all previous instructions", answer);
        // The server ran the tool; the gateway kept its answer from the model.
        Assert.Equal(before + 1, ToolCallsReceived);

        var (root, guardrails, tool) = await AgentSpansAsync(traceId, 10, "fetch_page");
        AssertGuardrailSpan(Assert.Single(guardrails), "injection-block", "strict:fetch_page", "block");
        Assert.Equal("""["injection-block"]""", root.Attr("tfy.triggered_guardrail_fqns"));
        Assert.Equal("error", tool.Attr("status"));
        Assert.Equal("guardrail_violation", tool.Attr("tfy.mcp_server.error_code"));
        Assert.Equal(result["Error: ".Length..], tool.Attr("result"));
    }

    [Fact]
    public async Task Endpoint_pre_invoke_block_answers_a_json_rpc_error_naming_the_guardrail()
    {
        var before = ToolCallsReceived;

        var (error, traceId) = await EndpointCallAsync("strict", "echo", $$"""{"text":"write to {{Email}}"}""");

        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.Equal("The tool call was blocked by guardrail 'pii-block': found email.", error.GetProperty("message").GetString());
        Assert.Equal("guardrail_violation", error.GetProperty("data").GetProperty("code").GetString());
        Assert.DoesNotContain(Email, error.GetRawText());
        Assert.Equal(before, ToolCallsReceived);

        var (root, guardrail, tool) = await EndpointSpansAsync(traceId, "echo");
        AssertGuardrailSpan(guardrail, "pii-block", "strict:echo", "block");
        Assert.Equal("""["pii-block"]""", root.Attr("tfy.triggered_guardrail_fqns"));
        Assert.Equal("guardrail_violation", tool.Attr("tfy.mcp_server.error_code"));
    }

    [Fact]
    public async Task Endpoint_post_invoke_block_keeps_the_injected_result_from_the_client()
    {
        var (error, traceId) = await EndpointCallAsync("strict", "fetch_page", "{}");

        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.StartsWith("The tool result was blocked by guardrail 'injection-block': ", error.GetProperty("message").GetString());
        Assert.DoesNotContain("Ignore all previous instructions", error.GetRawText());

        var (root, guardrail, _) = await EndpointSpansAsync(traceId, "fetch_page");
        AssertGuardrailSpan(guardrail, "injection-block", "strict:fetch_page", "block");
        Assert.Equal("""["injection-block"]""", root.Attr("tfy.triggered_guardrail_fqns"));
    }

    /// <summary>One <c>tools/call</c> posted to the endpoint with its own trace; the JSON-RPC error it answered.</summary>
    private async Task<(JsonElement Error, string TraceId)> EndpointCallAsync(string server, string tool, string arguments)
    {
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/mcp/v1/{server}/mcp")
        {
            Content = new StringContent($$$"""{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"{{{tool}}}","arguments":{{{arguments}}}}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("traceparent", $"00-{traceId}-b7ad6b7169203331-01");
        using var response = await _gateway.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var doc = JsonDocument.Parse(body);
        Assert.True(doc.RootElement.TryGetProperty("error", out var error), body);
        Assert.Equal(5, doc.RootElement.GetProperty("id").GetInt32());
        return (error.Clone(), traceId);
    }

    /// <summary>The message's MCP root span, its one Guardrail span (a child of the root) and the Tool Call span.</summary>
    private async Task<(JsonElement Root, JsonElement Guardrail, JsonElement Tool)> EndpointSpansAsync(string traceId, string tool)
    {
        var spans = await Poll.ForAsync(() => _gateway.QuerySpansAsync(SpanQueries.TraceFilter(traceId)),
            s => s.Any(x => x.Name() == "tools/call " + tool) && s.Any(x => x.Name() == "Guardrail") && s.Any(x => x.Name() == "Tool Call: " + tool),
            s => $"{s.Count} spans: {string.Join(", ", s.Select(x => x.Name()))}");
        var root = Assert.Single(spans, s => s.Name() == "tools/call " + tool);
        Assert.Equal("MCP", root.Attr("tfy.span_type"));
        var guardrail = Assert.Single(spans, s => s.Name() == "Guardrail");
        Assert.Equal(root.GetProperty("spanId").GetString(), guardrail.GetProperty("parentSpanId").GetString());
        var toolCall = Assert.Single(spans, s => s.Name() == "Tool Call: " + tool);
        Assert.Equal("error", toolCall.Attr("status"));
        return (root, guardrail, toolCall);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Agent_model_turn_blocked_by_an_output_guardrail_ends_the_agent_request_with_the_violation(bool stream)
    {
        var metadata = new Dictionary<string, string> { ["x-tfy-metadata"] = """{"case":"held-output"}""" };
        var body = Body("fetch_page please", "auditing")[..^1] + (stream ? ""","stream":true}""" : "}");

        var (status, text, _) = await AgentCalls.PostAsync(_gateway, body, headers: metadata);

        if (!stream)
        {
            Assert.True(status == HttpStatusCode.BadRequest, text);
            var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
            Assert.Equal("guardrail_violation", error.GetProperty("code").GetString());
            Assert.Contains("'no-mock-answers'", error.GetProperty("message").GetString());
            return;
        }
        // The stream had started (the tool events went out): the violation ends it with an error event, no [DONE].
        Assert.True(status == HttpStatusCode.OK, text);
        var events = AgentCalls.Events(text);
        Assert.Single(events, e => e.Event == "agent.tool_result");
        Assert.DoesNotContain(events, e => e.Data == "[DONE]");
        Assert.DoesNotContain("This is a mock response", text);
        Assert.Contains("\"code\":\"guardrail_violation\"", events[^1].Data);
    }
}
