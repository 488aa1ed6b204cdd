using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionalTests.Proxy;

public sealed class ChatCompletionTests : UpstreamGatewayTest
{
    [Fact]
    public async Task NonStreaming_PassesUnknownFieldsThroughAndRewritesOnlyTheModel()
    {
        const string answer = """{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o-2024","choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4},"vendor_extra":{"a":[1,2]}}""";
        Upstream.Handler = async (ctx, _) =>
        {
            ctx.Response.ContentType = "application/json";
            ctx.Response.Headers["x-request-id"] = "req-123";
            await ctx.Response.WriteAsync(answer);
        };
        const string request = """{"model":"fake/gpt-4o","messages":[{"role":"user","content":"hi \u00e9"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"x_vendor":{"deep":[true,null,1.5e3]}}""";

        using var response = await Gateway.Client.PostAsync("/v1/chat/completions", new StringContent(request, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(answer, await response.Content.ReadAsStringAsync());
        Assert.Equal("req-123", response.Headers.GetValues("x-request-id").Single());
        var sent = Assert.Single(Upstream.Requests);
        Assert.Equal("/v1/chat/completions", sent.Path);
        Assert.Equal(request.Replace("\"fake/gpt-4o\"", "\"gpt-4o-2024\""), sent.BodyText);
        Assert.Equal("Bearer sk-test-provider-key", sent.Headers["Authorization"]);
    }

    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    private const string Chat = """{"model":"fake/gpt-4o","messages":[{"role":"user","content":"hi"}]}""";

    private static async Task<JsonElement> ErrorOf(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.GetProperty("error");
    }

    [Theory]
    [InlineData(400, "invalid_request_error")]
    [InlineData(401, "invalid_api_key")]
    [InlineData(404, "model_not_found")]
    [InlineData(500, "server_error")]
    [InlineData(503, "overloaded")]
    public async Task UpstreamJsonErrors_PassThroughWithTheirStatus(int status, string code)
    {
        var body = """{"error":{"message":"upstream says no","type":"x","param":null,"code":"CODE"}}""".Replace("CODE", code);
        Upstream.Handler = async (ctx, _) =>
        {
            ctx.Response.StatusCode = status;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(body);
        };

        using var response = await Gateway.Client.PostAsync("/v1/chat/completions", Body(Chat));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UpstreamHtmlError_IsWrappedInOpenAIShape()
    {
        Upstream.Handler = async (ctx, _) =>
        {
            ctx.Response.StatusCode = 502;
            ctx.Response.ContentType = "text/html";
            await ctx.Response.WriteAsync("<html><body>Bad Gateway</body></html>");
        };

        using var response = await Gateway.Client.PostAsync("/v1/chat/completions", Body(Chat));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("upstream_error", error.GetProperty("type").GetString());
        Assert.Contains("Bad Gateway", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task ResetBeforeHeaders_Is502()
    {
        Upstream.Handler = (ctx, _) =>
        {
            ctx.Abort();
            return Task.CompletedTask;
        };

        using var response = await Gateway.Client.PostAsync("/v1/chat/completions", Body(Chat));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("upstream_unreachable", error.GetProperty("code").GetString());
        Assert.DoesNotContain("sk-test-provider-key", error.ToString());
    }

    [Fact]
    public async Task UpstreamDown_Is502()
    {
        var port = FreePort();
        await using var gateway = await GatewayUnderTest.StartAsync(Configs.OneUpstream(Upstream).Replace(Upstream.BaseUrl, $"http://127.0.0.1:{port}/v1"));

        using var response = await gateway.Client.PostAsync("/v1/chat/completions", Body(Chat));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream_unreachable", (await ErrorOf(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task BodyCutMidResponse_AbortsTheClientConnection()
    {
        // The gateway sends the client the headers with the first body bytes it copies; only then does
        // the upstream die (a reset would discard bytes the gateway has not read).
        var clientHasHeaders = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Upstream.Handler = async (ctx, _) =>
        {
            ctx.Response.ContentType = "application/json";
            ctx.Response.ContentLength = 1000;
            await ctx.Response.WriteAsync("{\"id\":\"x\",");
            await ctx.Response.Body.FlushAsync();
            await clientHasHeaders.Task.WaitAsync(TimeSpan.FromSeconds(10));
            ctx.Abort();
        };

        using var response = await Gateway.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Body(Chat) }, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1000, response.Content.Headers.ContentLength);
        clientHasHeaders.SetResult();
        // The gateway resets the client's connection short of the declared Content-Length: the client's read
        // fails instead of returning a cut body.
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => response.Content.ReadAsStringAsync());
        var io = Assert.IsType<IOException>(e.InnerException);
        Assert.Equal(SocketError.ConnectionReset, Assert.IsType<SocketException>(io.InnerException).SocketErrorCode);
    }

    [Fact]
    public async Task StalledNonStream_RequestTimeoutGives504()
    {
        Upstream.Handler = (ctx, _) => Task.Delay(TimeSpan.FromSeconds(30), ctx.RequestAborted);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Body(Chat) };
        request.Headers.Add("x-tfy-request-timeout", "250");

        using var response = await Gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("request timeout of 250 ms", (await ErrorOf(response)).GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("{\"model\": ")]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("{\"model\":\"fake/gpt-4o\",\"messages\":[}")]
    public async Task MalformedJson_Is400(string json)
    {
        using var response = await Gateway.Client.PostAsync("/v1/chat/completions", Body(json));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("invalid_json", error.GetProperty("code").GetString());
        Assert.Empty(Upstream.Requests);
    }

    [Fact]
    public async Task WrongFieldType_Is400NamingTheParam()
    {
        using var response = await Gateway.Client.PostAsync("/v1/chat/completions", Body("""{"model":"fake/gpt-4o","max_tokens":"lots"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("max_tokens", (await ErrorOf(response)).GetProperty("param").GetString());
    }

    [Fact]
    public async Task UnknownModel_Is404()
    {
        using var response = await Gateway.Client.PostAsync("/v1/chat/completions", Body("""{"model":"nope/gpt-9","messages":[]}"""));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task EmbeddingModelOnChatEndpoint_Is400()
    {
        using var response = await Gateway.Client.PostAsync("/v1/chat/completions", Body("""{"model":"fake/embed","messages":[]}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task BodyOverTheLimit_Is413_WithContentLengthAndChunked()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(Configs.OneUpstream(Upstream, "  max_request_body_bytes: 2048").Replace("server:\n  sse_keepalive_ms: 0\n", "server:\n  sse_keepalive_ms: 0\n"));
        var big = "{\"model\":\"fake/gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"" + new string('x', 5000) + "\"}]}";

        using var sized = await gateway.Client.PostAsync("/v1/chat/completions", Body(big));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, sized.StatusCode);
        Assert.Equal("request_too_large", (await ErrorOf(sized)).GetProperty("code").GetString());

        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big)));
        chunked.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using var streamed = await gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.StatusCode);
        Assert.Empty(Upstream.Requests);
    }

    [Fact]
    public async Task Models_ListsConfiguredModels()
    {
        using var response = await Gateway.Client.GetAsync("/v1/models");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var root = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("list", root.GetProperty("object").GetString());
        var ids = root.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Equal(["fake/embed", "fake/gpt-4o", "mock/echo"], ids);
    }

    [Fact]
    public async Task HealthAndReadiness()
    {
        Assert.Equal(HttpStatusCode.OK, (await Gateway.Client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Gateway.Client.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task UnknownPathAndWrongMethod_AreOpenAIErrors()
    {
        using var unknown = await Gateway.Client.GetAsync("/v1/nothing");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("unknown_url", (await ErrorOf(unknown)).GetProperty("code").GetString());

        using var wrong = await Gateway.Client.GetAsync("/v1/chat/completions");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrong.StatusCode);
    }

    [Fact]
    public async Task Completions_AreProxiedToTheCompletionsPath()
    {
        Upstream.Handler = async (ctx, _) =>
        {
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync("""{"id":"cmpl-1","object":"text_completion","choices":[{"text":"ok","index":0,"finish_reason":"stop"}]}""");
        };

        using var response = await Gateway.Client.PostAsync("/v1/completions", Body("""{"model":"fake/gpt-4o","prompt":"say ok"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/v1/completions", Assert.Single(Upstream.Requests).Path);
    }

    [Fact]
    public async Task ManyBadRequests_DoNotLeakConnectionsOrCrash()
    {
        // A mix of garbage on one keep-alive connection: every answer is an error, the gateway stays up.
        for (var i = 0; i < 50; i++)
        {
            using var response = await Gateway.Client.PostAsync("/v1/chat/completions", Body(i % 2 == 0 ? "{" : "[]"));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        using var ok = await Gateway.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
