using System.Text;
using Gateway.Streaming;

namespace Gateway.Tests.Streaming;

public sealed class CompletionAccumulatorTests
{
    private static bool Observe(CompletionAccumulator acc, string json) => acc.Observe(Encoding.UTF8.GetBytes(json).AsSpan());

    [Fact]
    public void StreamDeltas_AssembleContentToolCallsUsageAndFinishReasons()
    {
        var acc = new CompletionAccumulator(captureContent: true, maxContentChars: 1000);
        Assert.False(Observe(acc, """{"id":"c1","model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"""));
        Assert.True(Observe(acc, """{"id":"c1","choices":[{"index":0,"delta":{"content":"Hel"}}]}"""));
        Assert.True(Observe(acc, """{"id":"c1","choices":[{"index":0,"delta":{"content":"lo"}}]}"""));
        Assert.True(Observe(acc, """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}}]}"""));
        Assert.True(Observe(acc, """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}}]}"""));
        Assert.True(Observe(acc, """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_2","function":{"name":"f2","arguments":"{}"}}]}}]}"""));
        Assert.True(Observe(acc, """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]}}]}"""));
        Assert.False(Observe(acc, """{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"""));
        Assert.False(Observe(acc, """{"choices":[],"usage":{"prompt_tokens":11,"completion_tokens":7,"total_tokens":18,"prompt_tokens_details":{"cached_tokens":4}}}"""));

        Assert.Equal("c1", acc.ResponseId);
        Assert.Equal("gpt-4o", acc.ResponseModel);
        Assert.Equal(11, acc.InputTokens);
        Assert.Equal(7, acc.OutputTokens);
        Assert.Equal(4, acc.CachedInputTokens);
        var choice = Assert.Single(acc.Choices);
        Assert.Equal("assistant", choice.Role);
        Assert.Equal("Hello", choice.Content);
        Assert.Equal("tool_calls", choice.FinishReason);
        Assert.Equal(2, choice.ToolCalls.Count);
        Assert.Equal(("call_1", "get_weather", "{\"city\":\"Paris\"}"), (choice.ToolCalls[0].Id, choice.ToolCalls[0].Name, choice.ToolCalls[0].Arguments));
        Assert.Equal(("call_2", "f2", "{}"), (choice.ToolCalls[1].Id, choice.ToolCalls[1].Name, choice.ToolCalls[1].Arguments));
    }

    [Fact]
    public void WholeResponse_IsReadLikeAStream()
    {
        var acc = new CompletionAccumulator(true, 1000);
        Assert.True(Observe(acc, """{"id":"r","choices":[{"index":0,"message":{"role":"assistant","content":"a"},"finish_reason":"stop"},{"index":1,"message":{"role":"assistant","content":"b"},"finish_reason":"length"}],"usage":{"prompt_tokens":1,"completion_tokens":2}}"""));
        Assert.Equal(["a", "b"], acc.Choices.Select(c => c.Content));
        Assert.Equal(["stop", "length"], acc.Choices.Select(c => c.FinishReason));
    }

    [Fact]
    public void CompletionsText_CountsAsOutput()
    {
        var acc = new CompletionAccumulator(true, 1000);
        Assert.True(Observe(acc, """{"choices":[{"text":"hi","index":0,"finish_reason":null}]}"""));
        Assert.Equal("hi", acc.Choices[0].Content);
    }

    [Fact]
    public void CaptureOff_CountsButKeepsNoContent()
    {
        var acc = new CompletionAccumulator(false, 0);
        Assert.True(Observe(acc, """{"choices":[{"index":0,"delta":{"content":"secret"}}]}"""));
        Assert.Null(acc.Choices[0].Content);
    }

    [Fact]
    public void Content_IsTruncatedAtTheLimit()
    {
        var acc = new CompletionAccumulator(true, 5);
        Observe(acc, """{"choices":[{"index":0,"delta":{"content":"abc"}}]}""");
        Observe(acc, """{"choices":[{"index":0,"delta":{"content":"defgh"}}]}""");
        Assert.Equal("abcde", acc.Choices[0].Content);
    }

    [Theory]
    [InlineData("""{"error":{"message":"overloaded","type":"server_error"}}""", "overloaded")]
    [InlineData("""{"error":"plain"}""", "plain")]
    public void Errors_AreRecorded(string json, string message)
    {
        var acc = new CompletionAccumulator(false, 0);
        Assert.False(Observe(acc, json));
        Assert.Equal(message, acc.ErrorMessage);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"choices\":")]
    [InlineData("[]")]
    [InlineData("{\"choices\":[{\"delta\":5}]}")]
    [InlineData("{\"choices\":[]}")]
    [InlineData("{\"choices\":null,\"usage\":null}")]
    public void Garbage_IsIgnored(string json)
    {
        var acc = new CompletionAccumulator(true, 100);
        Assert.False(Observe(acc, json));
    }
}
