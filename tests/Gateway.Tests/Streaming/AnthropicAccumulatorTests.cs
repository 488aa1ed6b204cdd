using System.Text;
using Gateway.Streaming;

namespace Gateway.Tests.Streaming;

/// <summary>The accumulator on Anthropic's Messages API and OpenAI's Responses API (issue #15).</summary>
public sealed class AnthropicAccumulatorTests
{
    private static bool Observe(CompletionAccumulator acc, string json) => acc.Observe(Encoding.UTF8.GetBytes(json).AsSpan());

    [Fact]
    public void MessagesStream_ToolUseInputJsonDeltasUsageWithCacheAndStopReason()
    {
        var acc = new CompletionAccumulator(captureContent: true, maxContentChars: 1000);
        Assert.False(Observe(acc, """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[],"stop_reason":null,"usage":{"input_tokens":10,"cache_creation_input_tokens":3,"cache_read_input_tokens":20,"output_tokens":1}}}"""));
        Assert.False(Observe(acc, """{"type":"ping"}"""));
        Assert.False(Observe(acc, """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"""));
        Assert.True(Observe(acc, """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}"""));
        Assert.False(Observe(acc, """{"type":"content_block_stop","index":0}"""));
        Assert.True(Observe(acc, """{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}}"""));
        Assert.True(Observe(acc, """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"city\":"}}"""));
        Assert.True(Observe(acc, """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\"Oslo\"}"}}"""));
        Assert.False(Observe(acc, """{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":15}}"""));
        Assert.False(Observe(acc, """{"type":"message_stop"}"""));

        Assert.Equal(("msg_1", "claude-x"), (acc.ResponseId, acc.ResponseModel));
        // Anthropic's input_tokens leave the cached ones out; the spans count them in, as OpenAI does.
        Assert.Equal(33, acc.InputTokens);
        Assert.Equal((20L, 3L), (acc.CachedInputTokens!.Value, acc.CacheCreationInputTokens!.Value));
        Assert.Equal(15, acc.OutputTokens);
        Assert.True(acc.AnyFinishReason);
        var choice = Assert.Single(acc.Choices);
        Assert.Equal(("Hi", "tool_use"), (choice.Content, choice.FinishReason));
        var call = Assert.Single(choice.ToolCalls);
        Assert.Equal(("toolu_1", "get_weather", "{\"city\":\"Oslo\"}"), (call.Id, call.Name, call.Arguments));
    }

    [Fact]
    public void WholeMessage_ContentBlocksAndStopReason()
    {
        var acc = new CompletionAccumulator(captureContent: true, maxContentChars: 1000);

        Assert.True(Observe(acc, """{"id":"msg_2","type":"message","role":"assistant","model":"claude-x","content":[{"type":"text","text":"Sure"},{"type":"tool_use","id":"toolu_2","name":"f","input":{"a":1}}],"stop_reason":"tool_use","usage":{"input_tokens":4,"output_tokens":6}}"""));

        Assert.Equal((4L, 6L), (acc.InputTokens!.Value, acc.OutputTokens!.Value));
        var choice = Assert.Single(acc.Choices);
        Assert.Equal(("Sure", "tool_use"), (choice.Content, choice.FinishReason));
        Assert.Equal(("toolu_2", "f"), (choice.ToolCalls[0].Id, choice.ToolCalls[0].Name));
    }

    [Fact]
    public void ResponsesStream_StringDeltasAreOutput_AndACompletedResponseFinishes()
    {
        var acc = new CompletionAccumulator(captureContent: false, maxContentChars: 0);
        Assert.False(Observe(acc, """{"type":"response.created","response":{"id":"resp_1","status":"in_progress","model":"gpt-4o"}}"""));
        Assert.False(acc.AnyFinishReason);
        Assert.True(Observe(acc, """{"type":"response.output_text.delta","delta":"Hel"}"""));
        Assert.False(Observe(acc, """{"type":"response.completed","response":{"id":"resp_1","status":"completed","usage":{"input_tokens":5,"output_tokens":2,"input_tokens_details":{"cached_tokens":1}}}}"""));

        Assert.True(acc.AnyFinishReason);
        Assert.Equal((5L, 2L, 1L), (acc.InputTokens!.Value, acc.OutputTokens!.Value, acc.CachedInputTokens!.Value));
    }
}
