using System.Net;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Mcp;

/// <summary>
/// The agent loop over the reference MCP server (<c>@modelcontextprotocol/server-everything</c>) and the tests'
/// own server together, through a virtual server that takes one tool of each; the mock model calls both tools in
/// one turn, so they run in parallel. Also: the session and tool list reused by the next request.
/// </summary>
public sealed class AgentEverythingTests : IAsyncLifetime
{
    private EverythingServer _everything = null!;
    private FaultyMcpServer _faulty = null!;
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync()
    {
        _everything = await EverythingServer.StartAsync();
        _faulty = await FaultyMcpServer.StartAsync();
        _gateway = await GatewayUnderTest.StartAsync($$"""
            {{AgentCalls.MockProvider}}
            mcp_servers:
              - name: combo
                type: virtual
                servers:
                  - server: everything
                    tools: [echo]
                  - server: faulty
                    tools: [add, slow]
              - name: everything
                url: {{_everything.Url}}
              - name: faulty
                url: {{_faulty.Url}}
                tool_timeout_ms: 10000
            """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _faulty.DisposeAsync();
        await _everything.DisposeAsync();
    }

    [Fact]
    public async Task Two_servers_behind_a_virtual_one_are_called_in_one_turn()
    {
        var (status, body, traceId) = await AgentCalls.PostAsync(_gateway, """
            {"model":"mock/gpt-4o","messages":[{"role":"user","content":"echo and add"}],"mcp_servers":[{"integration_fqn":"default:mcp-server:combo"}]}
            """);

        Assert.True(status == HttpStatusCode.OK, body);
        var answer = JsonDocument.Parse(body).RootElement;
        var calls = answer.GetProperty("transcript").EnumerateArray().ToList();
        Assert.Equal(["echo", "add"], calls.Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(["everything", "faulty"], calls.Select(c => c.GetProperty("server").GetString()));
        Assert.Equal("Echo: echo and add", calls[0].GetProperty("result").GetString());
        Assert.Equal("4", calls[1].GetProperty("result").GetString());
        Assert.All(calls, c => Assert.Equal(1, c.GetProperty("iteration").GetInt32()));
        Assert.Equal(2, answer.GetProperty("iterations").GetInt32());

        // Root; per server Initialization, Connect, List Tools; two Tool Calls; two turns of Model + Network Call.
        var spans = await _gateway.WaitForStoredSpansAsync(SpanQueries.TraceFilter(traceId), 13);
        Assert.Equal(13, spans.Count);
        Assert.Equal(["default:mcp-server:everything", "default:mcp-server:faulty"],
            spans.Where(s => s.Name() == "MCP Server Initialization").Select(s => s.Attr("mcp_server_fqn")).Order());
        var echo = Assert.Single(spans, s => s.Name() == "Tool Call: echo");
        Assert.Equal(_everything.Url, echo.Attr("mcp_server_url"));
        Assert.Equal("""{"message":"echo and add"}""", echo.Attr("args"));
        // The virtual server offers only echo of everything's tools.
        var everythingList = spans.Single(s => s.Name() == "List Tools" && s.Attr("tfy.mcp_server.name") == "everything");
        Assert.True(int.Parse(everythingList.Attr("tfy.mcp_server.metric.number_of_tools")!, System.Globalization.CultureInfo.InvariantCulture) > 1);
        // Parallel: each call started before the other ended.
        var add = Assert.Single(spans, s => s.Name() == "Tool Call: add");
        Assert.True(Start(echo) < End(add) && Start(add) < End(echo));
    }

    [Fact]
    public async Task A_slow_tool_answers_and_the_second_request_reuses_session_and_tool_list()
    {
        var (status, body, traceId) = await AgentCalls.PostAsync(_gateway, """
            {"model":"mock/gpt-4o","messages":[{"role":"user","content":"slow"}],"mcp_servers":[{"name":"faulty","tools":[{"name":"slow"}]}]}
            """);

        Assert.True(status == HttpStatusCode.OK, body);
        var call = Assert.Single(JsonDocument.Parse(body).RootElement.GetProperty("transcript").EnumerateArray());
        // The mock's argument for an integer without minimum is 2: 2 ms, well within the timeout.
        Assert.Equal("slept 2 ms", call.GetProperty("result").GetString());

        (status, body, traceId) = await AgentCalls.PostAsync(_gateway, """
            {"model":"mock/gpt-4o","messages":[{"role":"user","content":"slow"}],"mcp_servers":[{"name":"faulty","tools":[{"name":"slow"}]}],"max_iterations":1}
            """);
        Assert.True(status == HttpStatusCode.OK, body);
        // Second request: the session and its tool list are reused, so no Initialization or List Tools spans.
        var spans = await _gateway.WaitForStoredSpansAsync(SpanQueries.TraceFilter(traceId), 4);
        Assert.Equal(["Model", "Network Call", "Tool Call: slow", "agentResponsesHandler"], spans.Select(s => s.Name()).Order(StringComparer.Ordinal));
        Assert.Equal(1, _faulty.Initializations);
    }

    private static DateTimeOffset Start(JsonElement span) => Time(span, "startTime");

    private static DateTimeOffset End(JsonElement span) => Time(span, "endTime");

    private static DateTimeOffset Time(JsonElement span, string field) => DateTimeOffset.Parse(span.GetProperty(field).GetString()!, System.Globalization.CultureInfo.InvariantCulture);
}
