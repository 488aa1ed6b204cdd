using System.Text;
using Gateway.Config;
using Gateway.Providers;
using Gateway.Proxy;
using Gateway.Routing;

namespace Gateway.Tests.Proxy;

public sealed class RewriteTests
{
    private static ModelTarget Target(string upstreamName)
    {
        var provider = new ProviderConfig
        {
            Name = "p",
            Kind = ProviderKind.Mock,
            Models = [new ModelConfig { Name = "m", UpstreamModel = upstreamName }],
        };
        return new ModelTarget(new Upstream(provider), provider.Models[0]);
    }

    private static string Rewrite(string json, string upstreamName)
    {
        var body = Encoding.UTF8.GetBytes(json);
        Assert.True(RequestHead.TryRead(body, out var head, out _));
        var content = BodyRewriter.Rewrite(new PooledBuffer(body, pool: null), body.Length, in head, Target(upstreamName), null);
        var result = Encoding.UTF8.GetString(content.Memory.Span);
        content.Release();
        return result;
    }

    [Theory]
    [InlineData("""{"model":"p/m","messages":[]}""", "gpt-4o", """{"model":"gpt-4o","messages":[]}""")]
    [InlineData("""{ "messages" : [ {"model":"keep"} ] ,"model" :  "p/m" , "x":1}""", "gpt-4o", """{ "messages" : [ {"model":"keep"} ] ,"model" :  "gpt-4o" , "x":1}""")]
    [InlineData("""{"model":"p\/m"}""", "a\"b", """{"model":"a\"b"}""")]
    [InlineData("""{"model":"same"}""", "same", """{"model":"same"}""")]
    [InlineData("""{"model":"p/m","emoji":"\ud83d\ude00 é"}""", "ünï", """{"model":"ünï","emoji":"\ud83d\ude00 é"}""")]
    public void OnlyTheModelValueChanges(string input, string upstream, string expected)
    {
        Assert.Equal(expected, Rewrite(input, upstream));
    }
}
