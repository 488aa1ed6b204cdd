using System.Text;
using Gateway.Agents;

namespace Gateway.Tests.Agents;

public sealed class AgentRequestReaderTests
{
    [Fact]
    public void Reads_the_whole_shape()
    {
        var json = """
            {"model":"mock/gpt-4o","messages":[{"role":"user","content":"hi"}],"max_tokens":50,"temperature":0.3,"top_p":0.9,"top_k":5,"stream":true,"max_iterations":3,
             "mcp_servers":[{"integration_fqn":"default:mcp-server:a","enable_all_tools":true},{"name":"b","tools":[{"name":"echo"}],"headers":{"X-User":"u"}},{"url":"http://127.0.0.1:1/mcp"}],
             "unknown_field":1}
            """;

        Assert.True(AgentRequestReader.TryRead(Encoding.UTF8.GetBytes(json), out var r, out var error), error?.Message);

        Assert.Equal(("mock/gpt-4o", 50L, 0.3, 0.9, 5, true, 3), (r.Model, r.MaxTokens!.Value, r.Temperature!.Value, r.TopP!.Value, r.TopK!.Value, r.Stream, r.MaxIterations!.Value));
        Assert.Equal(1, r.Messages.GetArrayLength());
        Assert.Equal(3, r.McpServers!.Count);
        Assert.True(r.McpServers[0].EnableAllTools);
        Assert.Equal("echo", r.McpServers[1].Tools![0].Name);
        Assert.Equal("u", r.McpServers[1].Headers!["X-User"]);
        Assert.Equal("http://127.0.0.1:1/mcp", r.McpServers[2].Url);
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[{"content":"no role"}]}""", "messages")]
    [InlineData("""{"model":"m","messages":[{"role":"user"}],"max_iterations":51}""", "max_iterations")]
    [InlineData("""{"model":"m","messages":[{"role":"user"}],"max_tokens":0}""", "max_tokens")]
    [InlineData("""{"model":"m","messages":[{"role":"user"}],"mcp_servers":[{}]}""", "mcp_servers[0]")]
    [InlineData("""{"model":"m","messages":[{"role":"user"}],"mcp_servers":[{"name":"a","tools":[{}]}]}""", "mcp_servers[0].tools[0].name")]
    [InlineData("""{"model":"m","messages":[{"role":"user"}],"temperature":"hot"}""", "temperature")]
    public void Rejects_with_the_field(string json, string param)
    {
        Assert.False(AgentRequestReader.TryRead(Encoding.UTF8.GetBytes(json), out _, out var error));

        Assert.Equal(400, error!.Status);
        Assert.Equal(param, error.Param);
    }
}
