using System.Diagnostics;
using Gateway.Streaming;
using Gateway.Tracing;

namespace Gateway.Tests.Tracing;

public sealed class CompletionTagsTests
{
    [Fact]
    public void SetPrompt_EachMessageEventKeepsItsOwnTags()
    {
        // The events are built in one reused collection (ActivityEvent copies it): nothing may leak between them.
        var prompt = new List<PromptMessage>
        {
            new("developer") { Content = "Be brief." },
            new("user") { Content = "Hi" },
            new("tool") { ToolCallId = "call_1" },
        };
        using var span = new Activity("root").Start();

        CompletionTags.SetPrompt(span, prompt, "openai", capture: true);
        CompletionTags.SetPrompt(span, [new("user")], "anthropic", capture: false);

        var events = span.Events.Select(e => e.Name + ": " + string.Join(", ", e.Tags.Select(t => $"{t.Key}={t.Value}")));
        Assert.Equal(
            [
                "gen_ai.system.message: gen_ai.system=openai, role=developer, content=Be brief.",
                "gen_ai.user.message: gen_ai.system=openai, content=Hi",
                "gen_ai.tool.message: gen_ai.system=openai, id=call_1",
                "gen_ai.user.message: gen_ai.system=anthropic",
            ],
            events);
    }

    [Fact]
    public void OutputJson_OneChoice_IsTheAssistantMessage()
    {
        var accumulator = new CompletionAccumulator(true, 1000);
        accumulator.Observe("""{"choices":[{"index":0,"delta":{"role":"assistant","content":"Bonjour "}}]}"""u8);
        accumulator.Observe("""{"choices":[{"index":0,"delta":{"content":"\u00e0 tous"},"finish_reason":"stop"}]}"""u8);

        Assert.Equal("""{"role":"assistant","content":"Bonjour à tous","finish_reason":"stop"}""", CompletionTags.OutputJson(accumulator, 1000));
        Assert.Equal("""{"role":"assistant","cont""", CompletionTags.OutputJson(accumulator, 25));
    }

    [Fact]
    public void OutputJson_ToolCallsAndSeveralChoices()
    {
        var accumulator = new CompletionAccumulator(true, 1000);
        accumulator.Observe("""{"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"},{"index":1,"message":{"role":"assistant","content":"b"},"finish_reason":"stop"}]}"""u8);

        Assert.Equal(
            """[{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}],"finish_reason":"tool_calls"},{"role":"assistant","content":"b","finish_reason":"stop"}]""",
            CompletionTags.OutputJson(accumulator, 10_000));
        Assert.Equal(["tool_calls", "stop"], CompletionTags.FinishReasons(accumulator)!);
        Assert.Null(CompletionTags.OutputJson(new CompletionAccumulator(true, 10), 10));
    }

    [Fact]
    public void MetadataJson_IsSortedAndEscaped()
    {
        Assert.Equal("""{"a":"x\"y","b":"é"}""", CompletionTags.MetadataJson(new Dictionary<string, string> { ["b"] = "é", ["a"] = "x\"y" }));
    }

    [Fact]
    public void MetadataJson_SortsOrdinally_UpToTheHeadersLimit()
    {
        Assert.Equal("""{"B":"2","_":"3","a":"4","b":"1"}""", CompletionTags.MetadataJson(new Dictionary<string, string> { ["b"] = "1", ["B"] = "2", ["_"] = "3", ["a"] = "4" }));
        var many = Enumerable.Range(0, Gateway.Proxy.RequestContextHeaders.MaxMetadataEntries).ToDictionary(i => $"k{i:D2}", i => i.ToString());
        var expected = "{" + string.Join(",", many.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"\"{p.Key}\":\"{p.Value}\"")) + "}";
        Assert.Equal(expected, CompletionTags.MetadataJson(many.Reverse().ToDictionary()));
        Assert.Equal("{}", CompletionTags.MetadataJson(new Dictionary<string, string>()));
    }

    [Fact]
    public void ShortHand_IsTheLastUserMessagesFirstLine()
    {
        var prompt = new List<PromptMessage>
        {
            new("system") { Content = "sys" },
            new("user") { Content = "  first question\nmore detail" },
            new("assistant") { Content = "answer" },
            new("user") { Content = new string('x', 300) },
        };

        Assert.Equal(new string('x', 200) + "…", CompletionTags.ShortHand(prompt));
        prompt.RemoveAt(3);
        Assert.Equal("first question", CompletionTags.ShortHand(prompt));
        Assert.Null(CompletionTags.ShortHand([new PromptMessage("user")]));
    }
}
