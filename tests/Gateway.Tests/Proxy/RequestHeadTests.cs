using System.Text;
using Gateway.Proxy;

namespace Gateway.Tests.Proxy;

public sealed class RequestHeadTests
{
    private static (bool Ok, RequestHead Head, Gateway.OpenAI.GatewayError? Error) Read(string json)
    {
        var ok = RequestHead.TryRead(Encoding.UTF8.GetBytes(json), out var head, out var error);
        return (ok, head, error);
    }

    [Fact]
    public void ReadsTopLevelFieldsAndIgnoresNestedOnes()
    {
        const string json = """{"messages":[{"role":"user","content":"x","model":"nested"}],"model":"openai-main/gpt-4o","stream":true,"stream_options":{"include_usage":true},"max_tokens":200,"temperature":0.1,"top_p":1,"n":2,"extra":{"model":"no"}}""";
        var (ok, head, _) = Read(json);
        Assert.True(ok);
        Assert.Equal("openai-main/gpt-4o", head.Model);
        Assert.True(head.Stream);
        Assert.True(head.IncludeUsage);
        Assert.Equal(200, head.MaxTokens);
        Assert.Equal(0.1, head.Temperature);
        Assert.Equal(1, head.TopP);
        Assert.Equal(2, head.N);
        Assert.Equal("\"openai-main/gpt-4o\"", json.Substring(head.ModelTokenStart, head.ModelTokenLength));
    }

    [Fact]
    public void MaxCompletionTokens_CountsAsMaxTokens()
    {
        Assert.Equal(7, Read("""{"model":"m","max_completion_tokens":7}""").Head.MaxTokens);
    }

    [Theory]
    [InlineData("", "invalid_json")]
    [InlineData("{", "invalid_json")]
    [InlineData("[1,2]", "invalid_json")]
    [InlineData("{\"model\":\"m\"} trailing", "invalid_json")]
    [InlineData("{\"model\":\"m\",}", "invalid_json")]
    [InlineData("{\"model\":\"m\" \"x\":1}", "invalid_json")]
    [InlineData("{\"messages\":[]}", "missing_required_parameter")]
    [InlineData("{\"model\":42}", "invalid_value")]
    [InlineData("{\"model\":\"m\",\"stream\":\"yes\"}", "invalid_value")]
    [InlineData("{\"model\":\"m\",\"max_tokens\":-1}", "invalid_value")]
    [InlineData("{\"model\":\"m\",\"max_tokens\":1.5}", "invalid_value")]
    [InlineData("{\"model\":\"m\",\"temperature\":\"hot\"}", "invalid_value")]
    [InlineData("{\"model\":\"m\",\"stream_options\":[]}", "invalid_value")]
    [InlineData("{\"model\":\"m\",\"stream_options\":{\"include_usage\":1}}", "invalid_value")]
    [InlineData("{\"model\":\"m\",\"n\":0}", "invalid_value")]
    public void BadInput_GivesA400WithTheRightCode(string json, string code)
    {
        var (ok, _, error) = Read(json);
        Assert.False(ok);
        Assert.Equal(400, error!.Status);
        Assert.Equal(code, error.Code);
    }

    [Fact]
    public void WrongType_NamesTheParameter()
    {
        var (_, _, error) = Read("""{"model":"m","temperature":"hot"}""");
        Assert.Equal("temperature", error!.Param);
        Assert.Contains("temperature", error.Message);
    }

    [Fact]
    public void DeepNesting_IsRejectedNotCrashed()
    {
        var json = "{\"model\":\"m\",\"x\":" + new string('[', 10_000) + new string(']', 10_000) + "}";
        var (ok, _, error) = Read(json);
        Assert.False(ok);
        Assert.Equal("invalid_json", error!.Code);
    }

    [Fact]
    public void NullOptionalFields_AreAccepted()
    {
        var (ok, head, _) = Read("""{"model":"m","stream":null,"max_tokens":null,"temperature":null,"stream_options":null}""");
        Assert.True(ok);
        Assert.False(head.Stream);
        Assert.Null(head.MaxTokens);
    }

    [Theory]
    [InlineData("""{"model":"\ud800"}""")]
    [InlineData("""{"model":"a\udc00b"}""")]
    [InlineData("""{"model":"\ud800\ud800"}""")]
    public void LoneSurrogateInModel_Is400InvalidValueNamingTheField(string json)
    {
        var (ok, _, error) = Read(json);
        Assert.False(ok);
        Assert.Equal(400, error!.Status);
        Assert.Equal("invalid_value", error.Code);
        Assert.Equal("model", error.Param);
    }

    [Fact]
    public void InvalidUtf8InModel_Is400InvalidValueNamingTheField()
    {
        byte[] body = [.. "{\"model\":\"mock/"u8, 0xFF, 0xC3, (byte)'"', (byte)'}'];
        Assert.False(RequestHead.TryRead(body, out _, out var error));
        Assert.Equal(400, error!.Status);
        Assert.Equal("invalid_value", error.Code);
        Assert.Equal("model", error.Param);
    }

    [Fact]
    public void EscapedSurrogatePairInModel_IsText()
    {
        var (ok, head, _) = Read("""{"model":"m\ud83d\ude00"}""");
        Assert.True(ok);
        Assert.Equal("m\U0001F600", head.Model);
    }

    [Fact]
    public void InvalidTextOutsideTheFieldsRead_IsLeftForTheUpstream()
    {
        byte[] body = [.. """{"model":"m","messages":[{"role":"user","content":"\ud800 "}],"x":" """u8, 0xFF, (byte)'"', (byte)'}'];
        Assert.True(RequestHead.TryRead(body, out var head, out _));
        Assert.Equal("m", head.Model);
    }

    [Theory]
    [InlineData("""{"model":"a/x","messages":[],"model":"b/y"}""", "model")]
    [InlineData("""{"model":"b/y","model":"a/x"}""", "model")]
    [InlineData("""{"model":"a/x","m\u006fdel":"b/y"}""", "model")]
    [InlineData("""{"\u006d\u006f\u0064\u0065\u006c":"b/y","model":"a/x"}""", "model")]
    [InlineData("""{"model":"a/x","stream":false,"stream":true}""", "stream")]
    [InlineData("""{"stream":true,"model":"a/x","stream":false}""", "stream")]
    [InlineData("""{"model":"a/x","stream_options":{"include_usage":true},"stream_options":null}""", "stream_options")]
    [InlineData("""{"model":"a/x","stream_options":{"include_usage":false,"include_usage":true}}""", "stream_options.include_usage")]
    [InlineData("""{"model":"a/x","max_tokens":1,"max_tokens":100000}""", "max_tokens")]
    [InlineData("""{"model":"a/x","max_completion_tokens":1,"max_completion_tokens":2}""", "max_completion_tokens")]
    [InlineData("""{"model":"a/x","temperature":0,"temperature":2}""", "temperature")]
    [InlineData("""{"model":"a/x","top_p":1,"top_p":0.5}""", "top_p")]
    [InlineData("""{"model":"a/x","n":1,"n":8}""", "n")]
    [InlineData("""{"model":"a/x","messages":[],"messages":[{"role":"user","content":"x"}]}""", "messages")]
    [InlineData("""{"model":"a/x","prompt":"a","prompt":"b"}""", "prompt")]
    [InlineData("""{"model":"a/x","input":"a","input":"b"}""", "input")]
    public void DuplicateKeysTheGatewayReads_Are400InvalidJson(string json, string key)
    {
        var (ok, _, error) = Read(json);
        Assert.False(ok);
        Assert.Equal(400, error!.Status);
        Assert.Equal("invalid_request_error", error.Type);
        Assert.Equal("invalid_json", error.Code);
        Assert.Equal(key, error.Param);
        Assert.Contains($"'{key}' appears more than once", error.Message);
    }

    [Fact]
    public void DuplicateKeysTheGatewayDoesNotRead_PassThrough()
    {
        var (ok, head, _) = Read("""{"model":"a/x","user":"u1","user":"u2","tools":[],"tools":[],"messages":[{"role":"user","role":"system"}]}""");
        Assert.True(ok);
        Assert.Equal("a/x", head.Model);
    }

    [Fact]
    public void EscapedKeyNames_AreReadAsTheKeysTheyName()
    {
        const string json = """{"m\u006fdel":"a/x","str\u0065am":true,"\u006e":2}""";
        var (ok, head, _) = Read(json);
        Assert.True(ok);
        Assert.Equal("a/x", head.Model);
        Assert.True(head.Stream);
        Assert.Equal(2, head.N);
        Assert.Equal("\"a/x\"", json.Substring(head.ModelTokenStart, head.ModelTokenLength));
    }

    [Fact]
    public void KeyNamesWithLoneSurrogates_AreNoKeyTheGatewayReads()
    {
        var (ok, head, _) = Read("""{"model":"a/x","\ud800":1,"stream_options":{"\udc00":true},"mod\ud800el":"b/y"}""");
        Assert.True(ok);
        Assert.Equal("a/x", head.Model);
    }
}
