using Gateway.Config;
using Gateway.FunctionalTests.Infrastructure;
using Gateway.Mcp;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.FunctionalTests.Mcp;

/// <summary>
/// The pooled MCP client session against a real Streamable HTTP server (<see cref="FaultyMcpServer"/>): timeouts,
/// JSON-RPC errors, a dropped session and the tool list cache, with a fake clock (so in process only).
/// </summary>
public sealed class McpSessionTests : IAsyncLifetime
{
    private FaultyMcpServer _server = null!;
    private readonly FakeTimeProvider _time = new();
    private McpClientPool _pool = null!;
    private McpSession _session = null!;

    public async Task InitializeAsync()
    {
        _server = await FaultyMcpServer.StartAsync();
        _pool = new McpClientPool(_time);
        var config = ConfigLoader.Load($$"""
            providers: [{name: mock, type: mock, models: [m]}]
            mcp_servers:
              - name: faulty
                url: {{_server.Url}}
                tool_timeout_ms: 2000
                tools_cache_ms: 60000
            """, "test.yaml", _ => null);
        _session = _pool.For(McpEndpoint.For(config.Mcp.Find("faulty")!));
    }

    public async Task DisposeAsync()
    {
        await _pool.DisposeAsync();
        await _server.DisposeAsync();
    }

    private int ListRequests => _server.Requests.Count(r => r.Method == "tools/list");

    [InProcessFact]
    public async Task The_tool_list_is_cached_until_it_expires()
    {
        var first = await _session.ListToolsAsync(null, CancellationToken.None);
        var second = await _session.ListToolsAsync(null, CancellationToken.None);

        Assert.Same(first, second);
        Assert.Equal(1, ListRequests);
        _time.Advance(TimeSpan.FromSeconds(61));
        var third = await _session.ListToolsAsync(null, CancellationToken.None);

        Assert.NotSame(first, third);
        Assert.Equal(2, ListRequests);
        Assert.Equal(1, _server.Initializations);
    }

    [InProcessFact]
    public async Task A_tool_past_its_timeout_is_a_timeout_result()
    {
        var result = await _session.CallToolAsync("slow", "c1", """{"ms":30000}""", null, CancellationToken.None);

        Assert.True(result.IsError);
        Assert.False(result.IsExecutionError);
        Assert.Equal("timeout", result.ErrorCode);
        Assert.Contains("2000 ms", result.Text);
    }

    [InProcessFact]
    public async Task A_json_rpc_error_is_a_protocol_error_not_an_execution_error()
    {
        var result = await _session.CallToolAsync("protocol_error", "c1", """{"message":"bad"}""", null, CancellationToken.None);

        Assert.True(result.IsError);
        Assert.False(result.IsExecutionError);
        Assert.Equal("-32602", result.ErrorCode);
        Assert.Contains("bad", result.Text);
        Assert.Equal(1, _server.Initializations);
    }

    [InProcessFact]
    public async Task A_dropped_session_is_initialized_again_and_the_call_sent_once_more()
    {
        Assert.Equal("4", (await _session.CallToolAsync("add", "c1", """{"a":2,"b":2}""", null, CancellationToken.None)).Text);
        var firstSession = _session.SessionId;
        _server.DropAllSessions();

        var result = await _session.CallToolAsync("add", "c2", """{"a":3,"b":4}""", null, CancellationToken.None);

        Assert.False(result.IsError, result.Text);
        Assert.Equal("7", result.Text);
        Assert.Equal(2, _server.Initializations);
        Assert.Equal(2, _session.Initializations);
        Assert.NotEqual(firstSession, _session.SessionId);
    }
}
