using System.Text.Json;
using Gateway.Providers;

namespace Gateway.Tests.Providers;

public sealed class MockAgentTests
{
    private static JsonElement Schema(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static readonly (string, JsonElement)[] s_tools =
    [
        ("echo", Schema("""{"type":"object","properties":{"message":{"type":"string"}},"required":["message"]}""")),
        ("add", Schema("""{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"number","minimum":5},"note":{"type":"string"}},"required":["a","b"]}""")),
        ("get-env", Schema("""{"type":"object","properties":{"verbose":{"type":"boolean"},"mode":{"type":"string","enum":["short","long"]},"limit":{"type":"integer","default":7},"tags":{"type":"array"},"opts":{"type":"object"}}}""")),
    ];

    [Fact]
    public void Calls_every_tool_named_in_the_message_in_offered_order()
    {
        var calls = MockAgent.Choose(s_tools, "please ADD and then echo this");

        Assert.Equal(["echo", "add"], calls.Select(c => c.Name));
        Assert.Equal("""{"message":"please ADD and then echo this"}""", calls[0].Arguments);
        Assert.Equal("""{"a":2,"b":5}""", calls[1].Arguments);
    }

    [Fact]
    public void Calls_the_first_tool_when_none_is_named()
    {
        // "adder" and "echoes" are not the whole names.
        var calls = MockAgent.Choose(s_tools, "adder echoes");

        Assert.Equal("echo", Assert.Single(calls).Name);
    }

    [Fact]
    public void Arguments_fit_the_schema_without_required()
    {
        var (name, args) = Assert.Single(MockAgent.Choose(s_tools, "get-env"));

        Assert.Equal("get-env", name);
        Assert.Equal("""{"verbose":true,"mode":"short","limit":7,"tags":[],"opts":{}}""", args);
    }

    [Fact]
    public void No_tools_no_calls() => Assert.Empty(MockAgent.Choose([], "echo"));
}
