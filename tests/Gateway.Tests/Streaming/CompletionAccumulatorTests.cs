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
    public void ContentAndArguments_ReadMidStream_FollowLaterDeltas_AndAreBuiltOncePerChange()
    {
        var acc = new CompletionAccumulator(captureContent: true, maxContentChars: 1000);
        Observe(acc, """{"choices":[{"index":0,"delta":{"content":"Hel","tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":"{"}}]}}]}""");
        var choice = acc.Choices[0];
        Assert.Equal("Hel", choice.Content);
        Assert.Equal("{", choice.ToolCalls[0].Arguments);

        Observe(acc, """{"choices":[{"index":0,"delta":{"content":"lo","tool_calls":[{"index":0,"function":{"arguments":"}"}}]}}]}""");

        Assert.Equal("Hello", choice.Content);
        Assert.Equal("{}", choice.ToolCalls[0].Arguments);
        // Spans read the text twice (tfy.output, gen_ai.completion.0.content): one string, not one per read.
        Assert.Same(choice.Content, choice.Content);
        Assert.Same(choice.ToolCalls[0].Arguments, choice.ToolCalls[0].Arguments);
        choice.ReplaceContent("[redacted]");
        Assert.Equal("[redacted]", choice.Content);
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

    /// <summary>Values of every JSON type, and text that is not valid Unicode, where the accumulator expects something else.</summary>
    public static TheoryData<string> OddValues => new()
    {
        "null", "\"str\"", "\"\"", "\"\\ud800\"", "1.5", "-1", "1e400", "true", "{}", """{"a":[1,{"b":null}]}""", "[]", """[1,{"c":"d"},[null]]""",
    };

    /// <summary>Every field the accumulator reads, holding <paramref name="v"/>, followed by a valid choice and usage it must still read.</summary>
    private static string EveryFieldHolding(string v) => $$$"""
        {"id":{{{v}}},"model":{{{v}}},"error":{{{v}}},"usage":{{{v}}},
         "choices":[{{{v}}},
           {"index":{{{v}}},"delta":{{{v}}},"message":{{{v}}},"text":{{{v}}},"finish_reason":{{{v}}},"logprobs":{{{v}}}},
           {"index":0,"text":{{{v}}},"delta":{"role":{{{v}}},"content":{{{v}}},"refusal":{{{v}}},"reasoning_content":{{{v}}},"tool_calls":{{{v}}}}},
           {"index":0,"message":{"tool_calls":[{{{v}}},{"index":{{{v}}},"id":{{{v}}},"type":{{{v}}},"function":{{{v}}}},{"index":0,"function":{"name":{{{v}}},"arguments":{{{v}}}}}]}},
           {"index":1,"delta":{"role":"assistant","content":"ok","tool_calls":[{"index":0,"id":"call_1","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":{{{v}}},"completion_tokens":{{{v}}},"input_tokens":{{{v}}},"output_tokens":{{{v}}},"prompt_tokens_details":{{{v}}}},
         "usage":{"prompt_tokens_details":{"cached_tokens":{{{v}}}}},
         "error":{"message":{{{v}}}},
         "usage":{"prompt_tokens":3,"completion_tokens":4,"prompt_tokens_details":{"cached_tokens":2}},
         "id":"r1"}
        """;

    [Theory]
    [MemberData(nameof(OddValues))]
    public void UnexpectedTypes_InEveryFieldRead_AreSkipped_AndTheRestIsStillRead(string value)
    {
        var json = EveryFieldHolding(value);
        foreach (var capture in new[] { true, false })
        {
            var acc = new CompletionAccumulator(capture, 1000);

            Assert.True(Observe(acc, json));

            Assert.Equal(3, acc.InputTokens);
            Assert.Equal(4, acc.OutputTokens);
            Assert.Equal(2, acc.CachedInputTokens);
            var choice = Assert.Single(acc.Choices, c => c.Index == 1);
            Assert.Equal("assistant", choice.Role);
            Assert.Equal("stop", choice.FinishReason);
            Assert.Equal("call_1", Assert.Single(choice.ToolCalls).Id);
            Assert.Equal(capture ? "ok" : null, choice.Content);
        }
    }

    [Theory]
    [MemberData(nameof(OddValues))]
    public void UnexpectedTypes_AcrossSegments_AreSkippedToo(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(EveryFieldHolding(value));
        var acc = new CompletionAccumulator(true, 1000);

        // One segment per byte: every token the reader meets straddles a boundary.
        Assert.True(acc.Observe(Sequences.Split(bytes, 1)));

        Assert.Equal(3, acc.InputTokens);
        Assert.Equal("ok", Assert.Single(acc.Choices, c => c.Index == 1).Content);
    }

    [Fact]
    public void NullUsageValues_KeepWhatWasKnown()
    {
        var acc = new CompletionAccumulator(false, 0);
        Observe(acc, """{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":6}}""");
        Observe(acc, """{"choices":[],"usage":{"prompt_tokens":null,"completion_tokens":"7","prompt_tokens_details":null}}""");
        Assert.Equal(5, acc.InputTokens);
        Assert.Equal(6, acc.OutputTokens);
        Assert.Null(acc.CachedInputTokens);
    }

    [Fact]
    public void InvalidTextInResponses_BecomesReplacementCharacters()
    {
        var acc = new CompletionAccumulator(true, 1000);
        byte[] raw = [.. """{"id":"a\ud800","choices":[{"index":0,"delta":{"content":"x"""u8, 0xFF, .. "\\udc00y\",\"tool_calls\":[{\"id\":\"c\\ud800\",\"function\":{\"name\":\"f\\udfff\",\"arguments\":\"\\ud800\"}}]},\"finish_reason\":\"s\\ud800\"}],\"error\":{\"message\":\"m\\ud800\"}}"u8];

        Assert.True(acc.Observe(raw.AsSpan()));

        Assert.Equal("a\uFFFD", acc.ResponseId);
        var choice = Assert.Single(acc.Choices);
        Assert.Equal("x\uFFFD\uFFFDy", choice.Content);
        Assert.Equal("s\uFFFD", choice.FinishReason);
        Assert.Equal(("c\uFFFD", "f\uFFFD", "\uFFFD"), (choice.ToolCalls[0].Id, choice.ToolCalls[0].Name, choice.ToolCalls[0].Arguments));
        Assert.Equal("m\uFFFD", acc.ErrorMessage);
    }
}
