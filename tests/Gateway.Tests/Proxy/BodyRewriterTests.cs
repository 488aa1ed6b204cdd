using System.Text;
using Gateway.Config;
using Gateway.Proxy;
using Gateway.Routing;

namespace Gateway.Tests.Proxy;

public sealed class BodyRewriterTests : IDisposable
{
    private readonly Gateway.Providers.Upstream _upstream = new(new ProviderConfig { Name = "p", Kind = ProviderKind.Mock, Models = [] });

    public void Dispose() => _upstream.Dispose();

    private string Rewrite(string body, string upstreamModel, params (string Name, string Json)[] overrides)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        Assert.True(RequestHead.TryRead(bytes, out var head, out var error), error?.Message);
        var target = new ModelTarget(_upstream, new ModelConfig { Name = "x", UpstreamModel = upstreamModel });
        var ov = OverrideParams.From(overrides.Select(o => new KeyValuePair<string, byte[]>(o.Name, Encoding.UTF8.GetBytes(o.Json))).ToList());
        var content = BodyRewriter.Rewrite(new PooledBuffer(bytes, pool: null), bytes.Length, in head, target, ov);
        try
        {
            return Encoding.UTF8.GetString(content.Memory.Span);
        }
        finally
        {
            content.Release();
        }
    }

    [Fact]
    public void ModelOnly_TouchesNothingElse()
    {
        const string body = "{ \"model\" : \"v\",\n \"messages\":[{\"role\":\"user\",\"content\":\"h\\u00e9\"}] , \"x\":1.50e3 }";
        Assert.Equal(body.Replace("\"v\"", "\"gpt-4o\""), Rewrite(body, "gpt-4o"));
    }

    [Fact]
    public void Overrides_ReplaceExistingValuesInPlace_AndAppendMissingOnes()
    {
        const string body = """{"temperature": 0.9,"model":"v","messages":[{"role":"user","content":"t"}], "metadata" :{"nested":[1,{"a":"}"}]},"top_p":1}""";
        var result = Rewrite(body, "up", ("metadata", "{\"k\":\"v\"}"), ("max_tokens", "512"), ("temperature", "0.2"), ("stop", "[\"\\n\"]"), ("user", "\"\\\"q\\\"\""));
        Assert.Equal("""{"temperature": 0.2,"model":"up","messages":[{"role":"user","content":"t"}], "metadata" :{"k":"v"},"top_p":1,"max_tokens":512,"stop":["\n"],"user":"\"q\""}""", result);
    }

    [Fact]
    public void Overrides_MatchEscapedKeys_AndEveryDuplicate_ButOnlyAtTheTopLevel()
    {
        const string body = """{"model":"v","s\u0065ed":1,"messages":[{"seed":5}],"seed":"s"}""";
        var result = Rewrite(body, "up", ("seed", "0"));
        Assert.Equal("""{"model":"up","s\u0065ed":0,"messages":[{"seed":5}],"seed":0}""", result);
    }

    [Fact]
    public void Overrides_ReplaceStringsNullsAndArrays()
    {
        const string body = """{"a":"x\"y","b":null,"c":[1,[2]],"model":"v"}""";
        Assert.Equal("""{"a":1,"b":2,"c":3,"model":"up"}""", Rewrite(body, "up", ("a", "1"), ("b", "2"), ("c", "3")));
    }

    [Fact]
    public void OverrideParams_CarryMaxTokensAndTemperatureForSpans()
    {
        var ov = new OverrideParams([new("max_tokens", "64"u8.ToArray()), new("temperature", "0.5"u8.ToArray()), new("x", "\"y\""u8.ToArray())]);
        Assert.Equal(64, ov.MaxTokens);
        Assert.Equal(0.5, ov.Temperature);
        Assert.Equal("\"x\"", Encoding.UTF8.GetString(ov.QuotedNames[2]));
    }

    [Fact]
    public void Overrides_LeaveKeysWithLoneSurrogatesAsSent()
    {
        const string body = """{"model":"v","\ud800":1,"s\udc00eed":2,"seed":3}""";
        Assert.Equal("""{"model":"up","\ud800":1,"s\udc00eed":2,"seed":0}""", Rewrite(body, "up", ("seed", "0")));
    }
}
