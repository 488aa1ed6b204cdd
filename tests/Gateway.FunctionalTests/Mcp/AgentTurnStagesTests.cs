using System.Net;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Mcp;

/// <summary>
/// Each model turn of the agent loop runs the request path's stages like a client's request: here a rate limit
/// of one request a minute lets the first turn through and refuses the second. And a server that cannot be
/// reached is a 502 naming it.
/// </summary>
public sealed class AgentTurnStagesTests : IAsyncLifetime
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
              - name: gone
                url: http://127.0.0.1:1/mcp
                connect_timeout_ms: 2000
            rate_limiting:
              name: limits
              type: gateway-rate-limiting-config
              rules:
                - id: one-a-minute
                  limit_to: 1
                  unit: requests_per_minute
            """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _mcp.DisposeAsync();
    }

    [Fact]
    public async Task The_rate_limit_applies_to_every_model_turn()
    {
        var (status, body, traceId) = await AgentCalls.PostAsync(_gateway, """
            {"model":"mock/gpt-4o","messages":[{"role":"user","content":"add"}],"mcp_servers":[{"name":"faulty"}]}
            """);

        Assert.Equal((HttpStatusCode)429, status);
        Assert.Equal("rate_limit_exceeded", JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("code").GetString());
        // The first turn ran and called the tool; the second was refused by the limit.
        Assert.Single(_mcp.Requests, r => r.Method == "tools/call");
        var spans = await _gateway.WaitForStoredSpansAsync(SpanQueries.TraceFilter(traceId), 9);
        var root = Assert.Single(spans, s => s.Name() == "agentResponsesHandler");
        Assert.Equal(2, spans.Count(s => s.Name() == "RateLimiterMiddleware" && s.GetProperty("parentSpanId").GetString() == root.GetProperty("spanId").GetString()));
        Assert.Single(spans, s => s.Name() == "Model");
        Assert.Equal("429", root.Attr("http.response.status_code"));
    }

    [Fact]
    public async Task A_server_that_cannot_be_reached_is_a_502_naming_it()
    {
        var (status, body, traceId) = await AgentCalls.PostAsync(_gateway, """
            {"model":"mock/gpt-4o","messages":[{"role":"user","content":"add"}],"mcp_servers":[{"name":"gone"}]}
            """);

        Assert.Equal(HttpStatusCode.BadGateway, status);
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.Equal("mcp_server_unavailable", error.GetProperty("code").GetString());
        Assert.Contains("'gone'", error.GetProperty("message").GetString());
        var spans = await _gateway.WaitForStoredSpansAsync(SpanQueries.TraceFilter(traceId), 3);
        var connect = Assert.Single(spans, s => s.Name() == "Connect to MCP Server");
        Assert.Equal("unreachable", connect.Attr("tfy.mcp_server.error_code"));
        Assert.Equal("Error", connect.GetProperty("statusCode").GetString());
    }
}
