using System.Text;
using Gateway.Providers;
using Gateway.Tracing;

namespace Gateway.Tests.Tracing;

public sealed class RequestMessagesTests
{
    private static List<PromptMessage> Read(string json, Operation op = Operation.Chat, bool capture = true, int max = 1000) =>
        RequestMessages.Read(Encoding.UTF8.GetBytes(json), op, capture, max);

    [Fact]
    public void Chat_ReadsRolesContentToolCallsAndToolResults()
    {
        var messages = Read("""
            {"model":"m","temperature":0.2,"messages":[
              {"role":"system","content":"sys \u00e9"},
              {"role":"user","name":"bob","content":[{"type":"text","text":"part one"},{"type":"text","text":"part two"}]},
              {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},
              {"role":"tool","tool_call_id":"c1","content":"42"}],
             "tools":[{"type":"function","function":{"name":"f"}}]}
            """);

        Assert.Equal(["system", "user", "assistant", "tool"], messages.Select(m => m.Role));
        Assert.Equal("sys é", messages[0].Content);
        Assert.Equal("part one\npart two", messages[1].Content);
        Assert.Null(messages[2].Content);
        var call = Assert.Single(messages[2].ToolCalls!);
        Assert.Equal(new PromptToolCall("c1", "f", """{"a":1}"""), call);
        Assert.Equal("c1", messages[3].ToolCallId);
        Assert.Equal("42", messages[3].Content);
    }

    [Fact]
    public void NonTextParts_AreKeptAsTheirJson()
    {
        var messages = Read("""{"messages":[{"role":"user","content":[{"type":"text","text":"what is this?"},{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}""");

        Assert.Equal("""[{"type":"text","text":"what is this?"},{"type":"image_url","image_url":{"url":"https://x/y.png"}}]""", messages[0].Content);
    }

    [Fact]
    public void CaptureOff_KeepsStructureWithoutText()
    {
        var messages = Read("""{"messages":[{"role":"user","content":"secret text"},{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f","arguments":"{\"pin\":1234}"}}]}]}""", capture: false);

        Assert.Equal(["user", "assistant"], messages.Select(m => m.Role));
        Assert.Null(messages[0].Content);
        Assert.Equal(new PromptToolCall("c", "f", null), messages[1].ToolCalls![0]);
    }

    [Fact]
    public void Content_IsCutAtMax_WithoutSplittingSurrogatePairs()
    {
        var messages = Read("""{"messages":[{"role":"user","content":"abc\ud83d\ude00def"}]}""", max: 4);

        Assert.Equal("abc", messages[0].Content);
        Assert.Equal("abc\ud83d\ude00", Read("""{"messages":[{"role":"user","content":"abc\ud83d\ude00def"}]}""", max: 5)[0].Content);
    }

    [Fact]
    public void MissingOrOddRoles_BecomeUnknownOrStayAsSent()
    {
        var messages = Read("""{"messages":[{"content":"no role"},{"role":"critic","content":"x"},42,"str"]}""");

        Assert.Equal(["unknown", "critic"], messages.Select(m => m.Role));
    }

    [Fact]
    public void KnownRoles_AreTheSharedConstants_EscapedOrNot()
    {
        var messages = Read("""{"messages":[{"role":"system"},{"role":"developer"},{"role":"user"},{"role":"\u0075ser"},{"role":"assistant"},{"role":"tool"},{"role":"users"}]}""");

        Assert.Equal(["system", "developer", "user", "user", "assistant", "tool", "users"], messages.Select(m => m.Role));
        // One string per known role for the whole process (the literal), not one per message.
        Assert.All(messages.Take(6), m => Assert.Same(string.IsInterned(m.Role), m.Role));
        Assert.NotSame("users", messages[6].Role);
    }

    [Fact]
    public void CompletionPrompt_AndEmbeddingInput_StringsAndArrays()
    {
        Assert.Equal(["one"], Read("""{"prompt":"one"}""", Operation.Completion).Select(m => m.Content));
        Assert.Equal(["a", "b"], Read("""{"prompt":["a","b"]}""", Operation.Completion).Select(m => m.Content));
        Assert.Equal(["x", "y"], Read("""{"model":"e","input":["x","y"],"encoding_format":"base64"}""", Operation.Embedding).Select(m => m.Content));
        // Token arrays carry no text to show.
        Assert.Empty(Read("""{"input":[[1,2,3],[4]]}""", Operation.Embedding));
        Assert.All(Read("""{"prompt":"p"}""", Operation.Completion), m => Assert.Equal("user", m.Role));
    }

    [Fact]
    public void EmptyOrInvalidBody_GivesNoMessages()
    {
        Assert.Empty(RequestMessages.Read([], Operation.Chat, true, 100));
        Assert.Empty(Read("[1,2]"));
        Assert.Single(Read("""{"messages":[{"role":"user","content":"ok"}],"x":"""));
    }

    [Fact]
    public void LoneSurrogates_BecomeReplacementCharacters_InEveryFieldRead()
    {
        var messages = Read("""
            {"messages":[
              {"role":"us\ud800er","content":"a\udc00b"},
              {"role":"user","content":[{"type":"text","text":"p\ud800"}]},
              {"role":"assistant","tool_calls":[{"id":"c\ud800","function":{"name":"f\udfff","arguments":"{\"a\":\"\ud800\"}"}}]},
              {"role":"tool","tool_call_id":"t\udbff","content":"ok"}]}
            """);

        Assert.Equal(["us\uFFFDer", "user", "assistant", "tool"], messages.Select(m => m.Role));
        Assert.Equal("a\uFFFDb", messages[0].Content);
        Assert.Equal("p\uFFFD", messages[1].Content);
        Assert.Equal(new PromptToolCall("c\uFFFD", "f\uFFFD", "{\"a\":\"\uFFFD\"}"), messages[2].ToolCalls![0]);
        Assert.Equal("t\uFFFD", messages[3].ToolCallId);
        Assert.Equal(["x\uFFFD", "\uFFFD"], Read("""{"input":["x\ud800","\udc00"]}""", Operation.Embedding).Select(m => m.Content));
        Assert.Equal(["\uFFFDp"], Read("""{"prompt":"\ud800p"}""", Operation.Completion).Select(m => m.Content));
    }

    [Fact]
    public void InvalidUtf8_BecomesReplacementCharacters()
    {
        byte[] body = [.. """{"messages":[{"role":"user","content":"a"""u8, 0xFF, 0xC3, .. """b\n"}]}"""u8];

        var messages = RequestMessages.Read(body, Operation.Chat, true, 100);

        Assert.Equal("a\uFFFD\uFFFDb\n", Assert.Single(messages).Content);
        byte[] input = [.. """{"input":" """u8, 0xE2, 0x82, .. "\"}"u8];
        Assert.Equal(" \uFFFD", Assert.Single(RequestMessages.Read(input, Operation.Embedding, true, 100)).Content);
    }

    [Fact]
    public void KeysWithLoneSurrogates_AreSkipped_NotFatal()
    {
        var messages = Read("""{"\ud800":1,"messages":[{"\udc00":"x","role":"user","content":[{"\ud800":1,"type":"text","text":"t"}]}]}""");

        Assert.Equal("user", Assert.Single(messages).Role);
        Assert.Equal("t", messages[0].Content);
    }
}
