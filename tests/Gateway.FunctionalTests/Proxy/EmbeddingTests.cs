using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionalTests.Proxy;

public sealed class EmbeddingTests : UpstreamGatewayTest
{
    [Theory]
    [InlineData("float", """[0.0023064255,-0.009327292,0.015797347]""")]
    [InlineData("base64", "\"AACAPwAAAEAAAEBA\"")]
    public async Task EncodingFormat_PassesThroughBothWays(string format, string embedding)
    {
        var answer = """{"object":"list","data":[{"object":"embedding","index":0,"embedding":EMB}],"model":"text-embedding-3-small","usage":{"prompt_tokens":2,"total_tokens":2}}""".Replace("EMB", embedding);
        Upstream.Handler = async (ctx, _) =>
        {
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(answer);
        };
        var request = $$"""{"model":"fake/embed","input":["hello","world"],"encoding_format":"{{format}}","dimensions":3}""";

        using var response = await Gateway.Client.PostAsync("/v1/embeddings", new StringContent(request, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(answer, await response.Content.ReadAsStringAsync());
        var sent = Assert.Single(Upstream.Requests);
        Assert.Equal("/v1/embeddings", sent.Path);
        Assert.Equal(request.Replace("fake/embed", "text-embedding-3-small"), sent.BodyText);
    }

    [Theory]
    [InlineData("float")]
    [InlineData("base64")]
    public async Task MockProvider_ServesBothEncodings(string format)
    {
        using var response = await Gateway.Client.PostAsync("/v1/embeddings",
            new StringContent($$"""{"model":"mock/echo","input":"abc","encoding_format":"{{format}}","dimensions":8}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var embedding = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data")[0].GetProperty("embedding");
        var length = format == "float" ? embedding.GetArrayLength() : Convert.FromBase64String(embedding.GetString()!).Length / 4;
        Assert.Equal(8, length);
    }
}
