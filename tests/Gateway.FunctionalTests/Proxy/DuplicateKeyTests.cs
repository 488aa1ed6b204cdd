using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Proxy;

/// <summary>
/// A key the gateway reads, sent twice: the gateway would route, price and authorize on one occurrence
/// while an upstream might run the other, so the request is refused before anything goes upstream.
/// </summary>
public sealed class DuplicateKeyTests : UpstreamGatewayTest
{
    [Theory]
    [InlineData("""{"model":"fake/gpt-4o","messages":[],"model":"mock/echo"}""", "model")]
    [InlineData("""{"model":"mock/echo","messages":[],"model":"fake/gpt-4o"}""", "model")]
    [InlineData("""{"model":"fake/gpt-4o","m\u006fdel":"gpt-4o-2024"}""", "model")]
    [InlineData("""{"model":"fake/gpt-4o","stream":true,"messages":[],"stream":false}""", "stream")]
    [InlineData("""{"stream":false,"model":"fake/gpt-4o","messages":[],"stream":true}""", "stream")]
    [InlineData("""{"model":"fake/gpt-4o","max_tokens":1,"max_tokens":100000,"messages":[]}""", "max_tokens")]
    [InlineData("""{"model":"fake/gpt-4o","messages":[],"messages":[{"role":"user","content":"x"}]}""", "messages")]
    public async Task DuplicateKey_Is400InvalidJson_AndNothingGoesUpstream(string body, string key)
    {
        using var response = await Gateway.Client.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("invalid_json", error.GetProperty("code").GetString());
        Assert.Equal(key, error.GetProperty("param").GetString());
        Assert.Empty(Upstream.Requests);
    }

    [Fact]
    public async Task DuplicateInputOnEmbeddings_Is400()
    {
        using var response = await Gateway.Client.PostAsync("/v1/embeddings",
            new StringContent("""{"model":"fake/embed","input":"a","input":"b"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(Upstream.Requests);
    }
}
