using System.Text.Json;
using Gateway.Config;
using Gateway.Mcp;

namespace Gateway.Tests.Mcp;

public sealed class McpPoolTests
{
    private static McpConfig Config(string url = "http://127.0.0.1:1/mcp", string token = "t1") =>
        Gateway.Tests.Config.ConfigText.Load(Gateway.Tests.Config.ConfigText.Providers + $$"""

            mcp_servers:
              - name: one
                url: {{url}}
                auth: {type: bearer, token: {{token}}}
                caller_headers: [X-User]
              - name: two
                url: http://127.0.0.1:2/mcp
            """).Mcp;

    [Fact]
    public void Sessions_are_per_server_and_caller_headers()
    {
        using var pool = new McpClientPool();
        var config = Config();
        var one = config.Find("one")!;

        var a = pool.For(McpEndpoint.For(one));
        var b = pool.For(McpEndpoint.For(one));
        var c = pool.For(McpEndpoint.For(one, new Dictionary<string, string> { ["X-User"] = "alice" }));
        var d = pool.For(McpEndpoint.For(one, new Dictionary<string, string> { ["x-user"] = "bob" }));

        Assert.Same(a, b);
        Assert.NotSame(a, c);
        Assert.NotSame(c, d);
        Assert.Equal(3, pool.Count);
        Assert.Equal("Bearer t1", c.Endpoint.Headers["Authorization"]);
        Assert.Equal("alice", c.Endpoint.Headers["x-user"]);
        // The key holds no header value (secrets): a hash.
        Assert.DoesNotContain("t1", a.Endpoint.Key);
        Assert.Equal(64, a.Endpoint.Key.Length);
    }

    [Fact]
    public void A_reload_closes_sessions_of_changed_or_removed_servers_only()
    {
        using var pool = new McpClientPool();
        var config = Config();
        var one = pool.For(McpEndpoint.For(config.Find("one")!));
        var two = pool.For(McpEndpoint.For(config.Find("two")!));
        var byUrl = pool.For(McpEndpoint.ForUrl(new Uri("http://127.0.0.1:3/mcp")));

        pool.Retain(Config(token: "t2"));

        Assert.Equal(2, pool.Count);
        Assert.Same(two, pool.For(McpEndpoint.For(config.Find("two")!)));
        Assert.Same(byUrl, pool.For(McpEndpoint.ForUrl(new Uri("http://127.0.0.1:3/mcp"))));
        Assert.NotSame(one, pool.For(McpEndpoint.For(Config(token: "t2").Find("one")!)));
    }

    [Fact]
    public void Past_the_cap_the_least_recently_used_session_is_closed()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var pool = new McpClientPool(time);
        var one = Config().Find("one")!;
        var first = pool.For(McpEndpoint.For(one, new Dictionary<string, string> { ["X-User"] = "u0" }));
        for (var i = 1; i <= McpClientPool.MaxSessions; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            pool.For(McpEndpoint.For(one, new Dictionary<string, string> { ["X-User"] = "u" + i }));
        }

        Assert.Equal(McpClientPool.MaxSessions, pool.Count);
        Assert.NotSame(first, pool.For(McpEndpoint.For(one, new Dictionary<string, string> { ["X-User"] = "u0" })));
    }

    [Theory]
    [InlineData("", true, null)]
    [InlineData("""{"a":1,"b":"x"}""", true, null)]
    [InlineData("[1]", false, "The tool arguments must be a JSON object.")]
    [InlineData("{nope", false, "The tool arguments are not valid JSON")]
    public void Arguments_from_the_model(string text, bool ok, string? error)
    {
        Assert.Equal(ok, McpSession.TryParseArguments(text, out var args, out var message));
        if (error is not null) Assert.StartsWith(error, message);
        if (text.StartsWith('{') && ok) Assert.Equal(JsonValueKind.String, args!["b"].ValueKind);
    }

    [Fact]
    public async Task A_hidden_tool_is_refused_without_asking_the_server()
    {
        var config = Gateway.Tests.Config.ConfigText.Load(Gateway.Tests.Config.ConfigText.Providers + """

            mcp_servers:
              - name: one
                url: http://127.0.0.1:1/mcp
                tools: [echo]
            """).Mcp;
        await using var pool = new McpClientPool();
        var session = pool.For(McpEndpoint.For(config.Find("one")!));

        var result = await session.CallToolAsync("printEnv", "call_1", "{}", null, CancellationToken.None);

        Assert.True(result.IsError);
        Assert.False(result.IsExecutionError);
        Assert.Equal("tool_not_allowed", result.ErrorCode);
        Assert.Equal(0, session.Initializations);
    }

    [Fact]
    public async Task An_unreachable_server_is_a_result_not_an_exception()
    {
        var config = Gateway.Tests.Config.ConfigText.Load(Gateway.Tests.Config.ConfigText.Providers + """

            mcp_servers:
              - name: gone
                url: http://127.0.0.1:1/mcp
                connect_timeout_ms: 2000
            """).Mcp;
        await using var pool = new McpClientPool();
        var session = pool.For(McpEndpoint.For(config.Find("gone")!));

        var result = await session.CallToolAsync("echo", "call_1", "{}", null, CancellationToken.None);

        Assert.True(result.IsError);
        Assert.Equal("unreachable", result.ErrorCode);
        await Assert.ThrowsAsync<McpConnectException>(() => session.ListToolsAsync(null, CancellationToken.None));
    }
}
