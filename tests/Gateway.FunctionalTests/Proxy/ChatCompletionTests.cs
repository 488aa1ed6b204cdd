using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionalTests.Proxy;

public sealed class ChatCompletionTests : IAsyncLifetime
{
    private FakeUpstream _upstream = null!;
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _gateway = await GatewayUnderTest.StartAsync(Configs.OneUpstream(_upstream));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task NonStreaming_PassesUnknownFieldsThroughAndRewritesOnlyTheModel()
    {
        const string answer = """{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o-2024","choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4},"vendor_extra":{"a":[1,2]}}""";
        _upstream.Handler = async (ctx, _) =>
        {
            ctx.Response.ContentType = "application/json";
            ctx.Response.Headers["x-request-id"] = "req-123";
            await ctx.Response.WriteAsync(answer);
        };
        const string request = """{"model":"fake/gpt-4o","messages":[{"role":"user","content":"hi \u00e9"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"x_vendor":{"deep":[true,null,1.5e3]}}""";

        using var response = await _gateway.Client.PostAsync("/v1/chat/completions", new StringContent(request, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(answer, await response.Content.ReadAsStringAsync());
        Assert.Equal("req-123", response.Headers.GetValues("x-request-id").Single());
        var sent = Assert.Single(_upstream.Requests);
        Assert.Equal("/v1/chat/completions", sent.Path);
        Assert.Equal(request.Replace("\"fake/gpt-4o\"", "\"gpt-4o-2024\""), sent.BodyText);
        Assert.Equal("Bearer sk-test-provider-key", sent.Headers["Authorization"]);
    }
}
