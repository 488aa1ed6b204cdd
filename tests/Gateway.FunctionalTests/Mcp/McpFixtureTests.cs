using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.FunctionalTests.Mcp;

/// <summary>
/// The MCP fixtures themselves, driven directly by the official TypeScript SDK client: what the gateway tests
/// rely on (the reference server's tools, each failure tool's behaviour) holds before the gateway is involved.
/// </summary>
public sealed class McpFixtureTests
{
    [Fact]
    public async Task Everything_server_lists_and_calls_echo()
    {
        await using var everything = await EverythingServer.StartAsync();
        var run = await SdkClient.RunAsync(everything.Url, null, SdkClient.List(), SdkClient.Call("echo", new JsonObject { ["message"] = "hi" }));
        Assert.Equal("mcp-servers/everything", run.GetProperty("server").GetProperty("name").GetString());
        var tools = run.GetProperty("steps")[0].GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        Assert.Contains("echo", tools);
        Assert.Contains("get-sum", tools);
        Assert.Equal("Echo: hi", run.GetProperty("steps")[1].GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Faulty_server_tools_fail_as_documented()
    {
        await using var faulty = await FaultyMcpServer.StartAsync();
        var run = await SdkClient.RunAsync(faulty.Url, new Dictionary<string, string> { ["x-probe"] = "p1" },
            SdkClient.List(),
            SdkClient.Call("add", new JsonObject { ["a"] = 2, ["b"] = 3 }),
            SdkClient.Call("fail", new JsonObject { ["message"] = "broken on purpose" }),
            SdkClient.Call("protocol_error", new JsonObject { ["message"] = "bad params on purpose" }),
            SdkClient.Call("slow", new JsonObject { ["ms"] = 10 }),
            SdkClient.Call("echo_headers"));
        var steps = run.GetProperty("steps");
        var tools = steps[0].GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()).Order().ToList();
        Assert.Equal(["add", "drop_session", "echo_headers", "fail", "protocol_error", "slow"], tools);
        Assert.Equal("5", Text(steps[1].GetProperty("result")));
        Assert.True(steps[2].GetProperty("result").GetProperty("isError").GetBoolean());
        Assert.Equal("broken on purpose", Text(steps[2].GetProperty("result")));
        Assert.Equal(-32602, steps[3].GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("bad params on purpose", steps[3].GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("slept 10 ms", Text(steps[4].GetProperty("result")));
        using var headers = JsonDocument.Parse(Text(steps[5].GetProperty("result")));
        Assert.Equal("p1", headers.RootElement.GetProperty("x-probe").GetString());
        Assert.Equal(1, faulty.Initializations);
    }

    [Fact]
    public async Task Faulty_server_drops_a_session_with_404()
    {
        await using var faulty = await FaultyMcpServer.StartAsync();
        var run = await SdkClient.RunAsync(faulty.Url, null, SdkClient.Call("drop_session"), SdkClient.List());
        var steps = run.GetProperty("steps");
        Assert.StartsWith("dropped ", Text(steps[0].GetProperty("result")));
        Assert.Equal(404, steps[1].GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains(faulty.Requests, r => r.Method == "tools/list" && r.Status == 404);
    }

    private static string Text(JsonElement result) => result.GetProperty("content")[0].GetProperty("text").GetString()!;
}
