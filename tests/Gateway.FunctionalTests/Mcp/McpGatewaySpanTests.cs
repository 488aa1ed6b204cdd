using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Mcp;

/// <summary>
/// The spans of the MCP gateway endpoint, read back through the span query API: one root per message
/// (<c>tfy.span_type</c> <c>MCP</c>, seed 003's <c>tfy.mcp_server.*</c>), with the pool's spans under it.
/// </summary>
public sealed class McpGatewaySpanTests(McpGatewayFixture fixture) : IClassFixture<McpGatewayFixture>
{
    [Fact]
    public async Task Each_message_is_an_mcp_span_with_the_seed_attributes()
    {
        // One traceparent on every request of the client: its messages are roots of one trace, children of the client's span.
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var headers = McpGatewayFixture.Auth();
        headers["traceparent"] = $"00-{traceId}-00f067aa0ba902b7-01";
        var run = await SdkClient.RunAsync(fixture.UrlOf("combo"), headers,
            SdkClient.List(),
            SdkClient.Call("add", new JsonObject { ["a"] = 1, ["b"] = 2 }),
            SdkClient.Call("fail", new JsonObject { ["message"] = "nope" }),
            SdkClient.Call("get-env"));
        Assert.Equal(4, run.GetProperty("steps").GetArrayLength());

        // Five roots (initialize, tools/list, three tools/call), and under them at least Tool Call: add; the store writes off the request path.
        var spans = await Poll.ForAsync(() => fixture.Gateway.QuerySpansAsync(SpanQueries.TraceFilter(traceId), McpGatewayFixture.Key),
            s => Roots(s).Count == 5 && s.Any(x => Name(x) == "Tool Call: add"), s => $"{s.Count} spans: {string.Join(", ", s.Select(Name))}");
        var roots = Roots(spans);
        Assert.Equal(["initialize", "tools/call add", "tools/call fail", "tools/call get-env", "tools/list"], roots.Select(Name).Order(StringComparer.Ordinal));
        foreach (var root in roots)
        {
            var a = root.GetProperty("spanAttributes");
            Assert.Equal("MCP", a.GetProperty("tfy.span_type").GetString());
            Assert.Equal("combo", a.GetProperty("tfy.mcp_server.name").GetString());
            Assert.Equal("combo", a.GetProperty("tfy.mcp_server.id").GetString());
            Assert.Equal(Name(root).Split(" ")[0], a.GetProperty("mcp.method.name").GetString());
            Assert.Equal("default:mcp-server:combo", a.GetProperty("tfy.mcp_server.fqn").GetString());
            Assert.Equal(McpGatewayFixture.Subject, a.GetProperty("tfy.request.created_by_subject").GetString());
            Assert.True(a.GetProperty("tfy.mcp_server.metric.latency_in_ms").GetDouble() >= 0);
        }
        var list = Attributes(roots, "tools/list");
        Assert.Equal("tools/list", list.GetProperty("tfy.mcp_server.method").GetString());
        Assert.Equal(3, list.GetProperty("tfy.mcp_server.metric.number_of_tools").GetInt32());

        var add = Attributes(roots, "tools/call add");
        Assert.Equal("tools/call", add.GetProperty("tfy.mcp_server.method").GetString());
        Assert.Equal("add", add.GetProperty("tfy.mcp_server.primitive_name").GetString());
        Assert.Equal("faulty", add.GetProperty("tfy.mcp_server.server_name").GetString());
        Assert.Equal(fixture.Faulty.Url, add.GetProperty("tfy.mcp_server.url").GetString());
        Assert.False(add.GetProperty("tfy.mcp_server.is_tool_call_execution_error").GetBoolean());
        Assert.Equal("execute_tool", add.GetProperty("gen_ai.operation.name").GetString());
        Assert.Equal("add", add.GetProperty("gen_ai.tool.name").GetString());
        Assert.False(string.IsNullOrEmpty(add.GetProperty("jsonrpc.request.id").GetString()));
        // What went in and what came out (content capture is on by default).
        Assert.Contains("\"arguments\":{\"a\":1,\"b\":2}", add.GetProperty("tfy.input").GetString());
        // Once in about ten runs against the binary under load, tfy.output was missing from the stored span: the message shows what was there.
        Assert.True(add.TryGetProperty("tfy.output", out var output), "no tfy.output on the stored span: " + add.GetRawText());
        Assert.Contains("\"text\":\"3\"", output.GetString());

        Assert.True(Attributes(roots, "tools/call fail").GetProperty("tfy.mcp_server.is_tool_call_execution_error").GetBoolean());
        var hidden = Attributes(roots, "tools/call get-env");
        Assert.Equal("-32602", hidden.GetProperty("tfy.mcp_server.error_code").GetString());
        Assert.Contains("Unknown tool", hidden.GetProperty("tfy.error_message").GetString());

        // The pool's Tool Call span nests under the root of its message.
        var addRoot = roots.Single(r => Name(r) == "tools/call add");
        var toolCall = spans.Single(s => Name(s) == "Tool Call: add");
        Assert.Equal(addRoot.GetProperty("spanId").GetString(), toolCall.GetProperty("parentSpanId").GetString());
    }

    [Fact]
    public async Task A_client_that_leaves_cancels_the_tool_call_and_the_span_says_so()
    {
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp/v1/patient/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow","arguments":{"ms":60000}}}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", McpGatewayFixture.Key);
        request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");
        var abortedBefore = fixture.Faulty.Aborted;
        using var leave = new CancellationTokenSource();
        var call = fixture.Gateway.Client.SendAsync(request, leave.Token);
        // The call reached the server: now the client goes away.
        await Poll.UntilAsync(() => Task.FromResult(fixture.Faulty.Arrivals.Any(r => r.Method == "tools/call" && r.Headers.TryGetValue("traceparent", out var tp) && tp.Contains(traceId))),
            "the slow call reached the server");
        leave.Cancel();
        await Assert.ThrowsAsync<TaskCanceledException>(() => call);

        // The gateway abandoned its call to the server, and the root span ended with the reason.
        await Poll.UntilAsync(() => Task.FromResult(fixture.Faulty.Aborted > abortedBefore), "the gateway's call to the server was aborted");
        var spans = await Poll.ForAsync(() => fixture.Gateway.QuerySpansAsync(SpanQueries.TraceFilter(traceId), McpGatewayFixture.Key),
            s => Roots(s).Count == 1, s => $"{s.Count} spans: {string.Join(", ", s.Select(Name))}");
        var root = Roots(spans).Single();
        Assert.Equal("tools/call slow", Name(root));
        Assert.Equal("client_disconnected", root.GetProperty("spanAttributes").GetProperty("error.type").GetString());
    }

    private static List<JsonElement> Roots(List<JsonElement> spans) => [.. spans.Where(s => s.GetProperty("parentSpanId").GetString() == "00f067aa0ba902b7")];

    private static string Name(JsonElement span) => span.GetProperty("spanName").GetString()!;

    private static JsonElement Attributes(List<JsonElement> spans, string name) => spans.Single(s => Name(s) == name).GetProperty("spanAttributes");
}
