using System.Text;
using Gateway.Guardrails;

namespace Gateway.Tests.Guardrails;

public sealed class JsonTextPartsTests
{
    [Fact]
    public void Reads_message_text_of_requests_and_skips_tools_and_other_fields()
    {
        var json = """{"model":"m","messages":[{"role":"system","content":"sys"},{"role":"user","content":[{"type":"text","text":"part \"one\""},{"type":"image_url","image_url":{"url":"data:x"}}]}],"tools":[{"type":"function","function":{"name":"f","description":"content","parameters":{"properties":{"content":{"type":"string"}}}}}],"metadata":{"content":"no"}}"""u8;

        var parts = JsonTextParts.Read(json, request: true);

        Assert.Equal(["sys", "part \"one\""], parts.Select(p => p.Value));
        // Each part's range is its whole JSON string token.
        Assert.Equal("\"part \\\"one\\\"\"", Encoding.UTF8.GetString(json.Slice(parts[1].Start, parts[1].Length)));
    }

    [Theory]
    [InlineData("""{"model":"m","prompt":["a","b"]}""", new[] { "a", "b" })]
    [InlineData("""{"model":"m","input":"x"}""", new[] { "x" })]
    [InlineData("""{"model":"m","system":"s","messages":[{"role":"user","content":"u"}]}""", new[] { "s", "u" })]
    public void Reads_completions_embeddings_and_anthropic_text(string json, string[] expected)
    {
        Assert.Equal(expected, JsonTextParts.Read(Encoding.UTF8.GetBytes(json), request: true).Select(p => p.Value));
    }

    [Fact]
    public void Answers_give_message_content_not_tool_call_arguments()
    {
        var json = """{"choices":[{"message":{"role":"assistant","content":"hello","tool_calls":[{"function":{"arguments":"{\"content\":\"x\"}"}}]}}],"model":"input"}"""u8;
        Assert.Equal(["hello"], JsonTextParts.Read(json, request: false).Select(p => p.Value));
    }

    [Fact]
    public void Splice_changes_only_rewritten_strings_byte_for_byte()
    {
        var json = """{"model":"m", "messages":[{"role":"user","content":"mail a@b.io"},{"role":"user","content":"keep ü"}],"x":1.50}""";
        var bytes = Encoding.UTF8.GetBytes(json);
        var parts = JsonTextParts.Read(bytes, request: true);

        var array = JsonTextParts.Splice(bytes, parts, ["mail [EMAIL] \"q\"", "keep ü"], out var length);

        Assert.Equal("""{"model":"m", "messages":[{"role":"user","content":"mail [EMAIL] \"q\""},{"role":"user","content":"keep ü"}],"x":1.50}""", Encoding.UTF8.GetString(array, 0, length));
    }

    [Fact]
    public void Read_strings_takes_every_string_value_and_refuses_non_json()
    {
        Assert.Equal(["a", "b"], JsonTextParts.ReadStrings("""{"k":"a","n":[1,{"z":"b"}]}"""u8)!.Select(p => p.Value));
        Assert.Null(JsonTextParts.ReadStrings("not json"u8));
    }

    [Theory]
    [InlineData("data: {}\n\ndata: [DONE]\n\n", 10)]
    [InlineData("data: {\"content\":\"[DONE]\"}\n\ndata:[DONE]\n\n", 28)]
    [InlineData("data: {\"content\":\"[DONE]\"}\n\n", -1)]
    public void The_done_event_is_found_only_as_a_data_line(string sse, int index)
    {
        Assert.Equal(index, DoneHoldingWriter.IndexOfDone(Encoding.UTF8.GetBytes(sse)));
    }
}
