using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.FunctionalTests.Mcp;

/// <summary>
/// <c>/mcp/v1/&lt;server&gt;/mcp</c> driven by the official MCP TypeScript SDK client (and by hand where the client
/// cannot show the wire): allow-lists on list and call, the gateway's API keys, virtual servers, failures of the
/// servers behind it, caller headers and traceparent reaching them.
/// </summary>
public sealed class McpGatewayEndpointTests(McpGatewayFixture fixture) : IClassFixture<McpGatewayFixture>
{
    private static List<string> ToolNames(JsonElement step) =>
        [.. step.GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()!)];

    private static string Text(JsonElement step)
    {
        // The whole step in the message when the call did not answer a result (an error says why).
        Assert.True(step.TryGetProperty("result", out var result), step.ToString());
        return result.GetProperty("content")[0].GetProperty("text").GetString()!;
    }

    [Fact]
    public async Task Sdk_client_sees_and_calls_only_the_allowed_tools()
    {
        var run = await SdkClient.RunAsync(fixture.UrlOf("everything"), McpGatewayFixture.Auth(),
            SdkClient.List(),
            SdkClient.Call("echo", new JsonObject { ["message"] = "through the gateway" }),
            SdkClient.Call("get-sum", new JsonObject { ["a"] = 2, ["b"] = 3 }),
            SdkClient.Call("get-env"));

        Assert.Equal("everything", run.GetProperty("server").GetProperty("name").GetString());
        var steps = run.GetProperty("steps");
        Assert.Equal(["echo", "get-sum"], ToolNames(steps[0]));
        // The server's own tool objects pass through: its title and annotations too.
        var echo = steps[0].GetProperty("result").GetProperty("tools")[0];
        Assert.Equal("Echo Tool", echo.GetProperty("title").GetString());
        Assert.True(echo.GetProperty("annotations").GetProperty("readOnlyHint").GetBoolean());
        Assert.Equal("Echo: through the gateway", Text(steps[1]));
        Assert.Contains("5", Text(steps[2]));
        // get-env exists on the server, but the allow-list hides it: the error an unknown tool gets.
        var hidden = steps[3].GetProperty("error");
        Assert.Equal(-32602, hidden.GetProperty("code").GetInt32());
        Assert.Contains("Unknown tool: get-env", hidden.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Virtual_server_combines_the_selected_tools_of_two_servers()
    {
        var run = await SdkClient.RunAsync(fixture.UrlOf("combo"), McpGatewayFixture.Auth(),
            SdkClient.List(),
            SdkClient.Call("echo", new JsonObject { ["message"] = "one" }),
            SdkClient.Call("add", new JsonObject { ["a"] = 20, ["b"] = 22 }),
            SdkClient.Call("get-sum", new JsonObject { ["a"] = 1, ["b"] = 1 }),
            SdkClient.Call("slow", new JsonObject { ["ms"] = 1 }));

        var steps = run.GetProperty("steps");
        Assert.Equal(["echo", "add", "fail"], ToolNames(steps[0]));
        Assert.Equal("Echo: one", Text(steps[1]));
        Assert.Equal("42", Text(steps[2]));
        // Allowed on everything's own list, but not selected by the virtual server; slow: not selected from faulty.
        Assert.Equal(-32602, steps[3].GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(-32602, steps[4].GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Tool_failures_reach_the_client_as_mcp_says()
    {
        var run = await SdkClient.RunAsync(fixture.UrlOf("faulty"), McpGatewayFixture.Auth(),
            SdkClient.Call("fail", new JsonObject { ["message"] = "disk full" }),
            SdkClient.Call("protocol_error", new JsonObject { ["message"] = "no such record" }),
            SdkClient.Call("slow", new JsonObject { ["ms"] = 30_000 }),
            SdkClient.Call("add", new JsonObject { ["a"] = 1, ["b"] = 2 }));

        var steps = run.GetProperty("steps");
        // A tool execution error is a result with isError, for the model to read.
        Assert.True(steps[0].GetProperty("result").GetProperty("isError").GetBoolean());
        Assert.Equal("disk full", Text(steps[0]));
        // The server's JSON-RPC error keeps its code.
        Assert.Equal(-32602, steps[1].GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("no such record", steps[1].GetProperty("error").GetProperty("message").GetString());
        // Past tool_timeout_ms (5 s) the gateway answers an internal error that says so, and goes on serving.
        var timeout = steps[2].GetProperty("error");
        Assert.Equal(-32603, timeout.GetProperty("code").GetInt32());
        Assert.Equal("timeout", timeout.GetProperty("data").GetProperty("code").GetString());
        Assert.Equal("3", Text(steps[3]));
    }

    [Fact]
    public async Task Caller_headers_and_traceparent_reach_the_server()
    {
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var headers = McpGatewayFixture.Auth();
        // The entry of another server is not this endpoint's business (one header may serve several endpoints).
        headers["x-tfy-mcp-headers"] = """{"everything":{"X-Other":"x"},"faulty":{"X-User-Token":"tok-123"}}""";
        headers["traceparent"] = $"00-{traceId}-00f067aa0ba902b7-01";
        var run = await SdkClient.RunAsync(fixture.UrlOf("faulty"), headers, SdkClient.Call("echo_headers"));

        using var received = JsonDocument.Parse(Text(run.GetProperty("steps")[0]));
        Assert.Equal("tok-123", received.RootElement.GetProperty("x-user-token").GetString());
        Assert.False(received.RootElement.TryGetProperty("x-other", out _));
        // The gateway's own span context, in the client's trace.
        var traceparent = received.RootElement.GetProperty("traceparent").GetString()!;
        Assert.StartsWith($"00-{traceId}-", traceparent);
        Assert.DoesNotContain("00f067aa0ba902b7", traceparent);
        // The caller's API key is the gateway's business only.
        Assert.False(received.RootElement.TryGetProperty("authorization", out _));
    }

    [Fact]
    public async Task A_header_the_server_does_not_accept_from_callers_is_refused()
    {
        using var response = await PostAsync("faulty", Initialize, McpGatewayFixture.Key, ("x-tfy-mcp-headers", """{"faulty":{"Authorization":"Bearer stolen"}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await OpenAIError(response);
        Assert.Equal("x-tfy-mcp-headers", error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task A_session_the_server_dropped_is_opened_again()
    {
        var first = await SdkClient.RunAsync(fixture.UrlOf("faulty"), McpGatewayFixture.Auth(), SdkClient.Call("add", new JsonObject { ["a"] = 1, ["b"] = 1 }));
        Assert.Equal("2", Text(first.GetProperty("steps")[0]));
        var before = fixture.Faulty.Initializations;
        fixture.Faulty.DropAllSessions();

        var second = await SdkClient.RunAsync(fixture.UrlOf("faulty"), McpGatewayFixture.Auth(), SdkClient.Call("add", new JsonObject { ["a"] = 2, ["b"] = 2 }));
        Assert.Equal("4", Text(second.GetProperty("steps")[0]));
        Assert.Equal(before + 1, fixture.Faulty.Initializations);
    }

    [Fact]
    public async Task A_server_that_cannot_be_reached_fails_initialize_with_the_reason()
    {
        using var response = await PostAsync("down", Initialize, McpGatewayFixture.Key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = body.RootElement.GetProperty("error");
        Assert.Equal(-32603, error.GetProperty("code").GetInt32());
        Assert.Equal("unreachable", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Contains("'down'", error.GetProperty("message").GetString());

        var run = await SdkClient.RunAsync(fixture.UrlOf("down"), McpGatewayFixture.Auth(), SdkClient.List());
        Assert.Equal(-32603, run.GetProperty("connectError").GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("sk-wrong")]
    public async Task Without_a_valid_key_the_endpoint_answers_401(string? key)
    {
        using var response = await PostAsync("everything", Initialize, key);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        await OpenAIError(response);

        var run = await SdkClient.RunAsync(fixture.UrlOf("everything"), key is null ? null : McpGatewayFixture.Auth(key), SdkClient.List());
        Assert.Equal(401, run.GetProperty("connectError").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Unknown_server_is_404()
    {
        using var response = await PostAsync("nope", Initialize, McpGatewayFixture.Key);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("mcp_server_not_found", (await OpenAIError(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Wire_answers_of_the_streamable_http_transport()
    {
        var key = McpGatewayFixture.Key;
        using (var init = await PostAsync("faulty", Initialize, key))
        {
            Assert.Equal(HttpStatusCode.OK, init.StatusCode);
            Assert.Equal("application/json", init.Content.Headers.ContentType!.MediaType);
            Assert.False(init.Headers.Contains("Mcp-Session-Id"));
            using var body = JsonDocument.Parse(await init.Content.ReadAsStringAsync());
            Assert.Equal("init-1", body.RootElement.GetProperty("id").GetString());
            var result = body.RootElement.GetProperty("result");
            Assert.Equal("2025-06-18", result.GetProperty("protocolVersion").GetString());
            Assert.Equal("faulty", result.GetProperty("serverInfo").GetProperty("name").GetString());
            Assert.True(result.GetProperty("capabilities").TryGetProperty("tools", out _));
        }
        using (var notification = await PostAsync("faulty", """{"jsonrpc":"2.0","method":"notifications/initialized"}""", key))
        {
            Assert.Equal(HttpStatusCode.Accepted, notification.StatusCode);
            Assert.Empty(await notification.Content.ReadAsByteArrayAsync());
        }
        Assert.Equal(-32700, await JsonRpcErrorAsync("{not json", HttpStatusCode.BadRequest));
        Assert.Equal(-32600, await JsonRpcErrorAsync("""[{"jsonrpc":"2.0","id":1,"method":"ping"}]""", HttpStatusCode.BadRequest));
        Assert.Equal(-32600, await JsonRpcErrorAsync("""{"id":1,"method":"ping"}""", HttpStatusCode.BadRequest));
        Assert.Equal(-32601, await JsonRpcErrorAsync("""{"jsonrpc":"2.0","id":7,"method":"resources/list"}""", HttpStatusCode.OK));
        Assert.Equal(-32602, await JsonRpcErrorAsync("""{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"arguments":{}}}""", HttpStatusCode.OK));
        using (var ping = await PostAsync("faulty", """{"jsonrpc":"2.0","id":42,"method":"ping"}""", key))
        {
            Assert.Equal("""{"jsonrpc":"2.0","id":42,"result":{}}""", await ping.Content.ReadAsStringAsync());
        }
        using (var badVersion = await PostAsync("faulty", """{"jsonrpc":"2.0","id":9,"method":"tools/list"}""", key, ("MCP-Protocol-Version", "1999-01-01")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badVersion.StatusCode);
        }
        using var get = new HttpRequestMessage(HttpMethod.Get, "/mcp/v1/faulty/mcp");
        get.Headers.Authorization = new("Bearer", key);
        using var getResponse = await fixture.Gateway.Client.SendAsync(get);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, getResponse.StatusCode);
        await OpenAIError(getResponse);

        async Task<int> JsonRpcErrorAsync(string body, HttpStatusCode status)
        {
            using var response = await PostAsync("faulty", body, key);
            Assert.Equal(status, response.StatusCode);
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return doc.RootElement.GetProperty("error").GetProperty("code").GetInt32();
        }
    }

    private const string Initialize =
        """{"jsonrpc":"2.0","id":"init-1","method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""";

    private async Task<HttpResponseMessage> PostAsync(string server, string body, string? key, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/mcp/v1/{server}/mcp")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (key is not null) request.Headers.Authorization = new("Bearer", key);
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        return await fixture.Gateway.Client.SendAsync(request);
    }

    private static async Task<JsonElement> OpenAIError(HttpResponseMessage response)
    {
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = doc.RootElement.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
        return error.Clone();
    }
}
