using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionalTests.Proxy;

/// <summary>
/// Text that is not valid Unicode (invalid UTF-8, escaped lone surrogates) in a request: a 400 naming the
/// field when the gateway acts on it, forwarded untouched and traced with replacement characters otherwise.
/// </summary>
public sealed class InvalidTextTests : UpstreamGatewayTest
{
    private static ByteArrayContent Raw(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");
        return content;
    }

    private static async Task<JsonElement> ErrorOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");

    public static TheoryData<string, byte[]> BadModels => new()
    {
        { "lone high surrogate", """{"model":"fake/gpt-4o\ud800","messages":[]}"""u8.ToArray() },
        { "lone low surrogate", """{"model":"\udc00","messages":[]}"""u8.ToArray() },
        { "invalid UTF-8", [.. """{"model":"fake/gpt"""u8, 0xFF, 0xFE, .. "\",\"messages\":[]}"u8] },
        { "truncated UTF-8", [.. """{"model":"fake/gpt-4o"""u8, 0xE2, 0x82, .. "\",\"messages\":[]}"u8] },
    };

    [Theory]
    [MemberData(nameof(BadModels))]
    public async Task InvalidTextInModel_Is400InvalidValueNamingModel(string why, byte[] body)
    {
        using var response = await Gateway.Client.PostAsync("/v1/chat/completions", Raw(body));

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, why);
        var error = await ErrorOf(response);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("invalid_value", error.GetProperty("code").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
        Assert.Empty(Upstream.Requests);
    }

    [Theory]
    [InlineData("x-tfy-metadata", """{"k":"\ud800"}""")]
    [InlineData("x-tfy-retry-config", """{"\udc00":1}""")]
    public async Task InvalidTextInAJsonHeader_Is400NamingTheHeader(string header, string value)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Raw("""{"model":"fake/gpt-4o","messages":[]}"""u8.ToArray()) };
        request.Headers.TryAddWithoutValidation(header, value);

        using var response = await Gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("invalid_value", error.GetProperty("code").GetString());
        Assert.Equal(header, error.GetProperty("param").GetString());
        Assert.Empty(Upstream.Requests);
    }

    private const string ChatAnswer = """{"id":"c1","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1}}""";

    [Fact]
    public async Task InvalidTextInContent_IsForwardedUntouched_AndTheSpanKeepsInputAndPrompt()
    {
        byte[] body = [.. """{"model":"fake/gpt-4o","messages":[{"role":"user","content":"hi \ud800 """u8, 0xFF, .. "\"}]}"u8];

        var attributes = await SendTracedAsync("/v1/chat/completions", body, ChatAnswer);

        byte[] expected = [.. """{"model":"gpt-4o-2024","messages":[{"role":"user","content":"hi \ud800 """u8, 0xFF, .. "\"}]}"u8];
        Assert.Equal(expected, Assert.Single(Upstream.Requests).Body);
        Assert.Equal(Encoding.UTF8.GetString(body), attributes.GetProperty("tfy.input").GetString());
        Assert.Equal("hi \uFFFD \uFFFD", attributes.GetProperty("gen_ai.prompt.0.content").GetString());
        Assert.Equal("ok", attributes.GetProperty("gen_ai.completion.0.content").GetString());
    }

    [Fact]
    public async Task KeysWithLoneSurrogates_AreForwardedUntouched_AndTheSpanKeepsThePrompt()
    {
        const string body = """{"model":"fake/gpt-4o","\ud800":1,"stream_options":{"\udc00":true},"messages":[{"\ud800":"x","role":"user","content":"hi"}]}""";

        var attributes = await SendTracedAsync("/v1/chat/completions", Encoding.UTF8.GetBytes(body),
            """{"id":"c1","\ud800":1,"choices":[{"\udc00":2,"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}""");

        Assert.Equal(body.Replace("fake/gpt-4o", "gpt-4o-2024"), Assert.Single(Upstream.Requests).BodyText);
        Assert.Equal("hi", attributes.GetProperty("gen_ai.prompt.0.content").GetString());
        Assert.Equal("ok", attributes.GetProperty("gen_ai.completion.0.content").GetString());
    }

    [Fact]
    public async Task InvalidTextInEmbeddingInput_IsForwarded_AndTheSpanKeepsTheInput()
    {
        var attributes = await SendTracedAsync("/v1/embeddings", """{"model":"fake/embed","input":["a\udc00"]}"""u8.ToArray(),
            """{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1]}],"usage":{"prompt_tokens":1,"total_tokens":1}}""");

        Assert.Single(Upstream.Requests);
        Assert.True(attributes.TryGetProperty("tfy.input", out _));
        Assert.Equal("a\uFFFD", attributes.GetProperty("gen_ai.prompt.0.content").GetString());
    }

    /// <summary>Sends <paramref name="body"/> in a trace of its own, the upstream answering 200 with <paramref name="answer"/>; returns the root span's attributes.</summary>
    private async Task<JsonElement> SendTracedAsync(string path, byte[] body, string answer)
    {
        Upstream.Handler = async (ctx, _) =>
        {
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(answer);
        };
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Raw(body) };
        request.Headers.Add("traceparent", $"00-{traceId}-b7ad6b7169203331-01");

        using var response = await Gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await RootSpanAsync(traceId)).GetProperty("spanAttributes");
    }

    /// <summary>The root span of a trace, read back from the span store (polled: the writer is off the request path).</summary>
    private async Task<JsonElement> RootSpanAsync(string traceId)
    {
        var start = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("O");
        var roots = await Poll.ForAsync(async () =>
        {
            using var response = await Gateway.Client.PostAsync("/api/svc/v1/spans/query",
                new StringContent($$"""{"startTime":"{{start}}","traceIds":["{{traceId}}"]}""", Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, text);
            return JsonDocument.Parse(text).RootElement.GetProperty("data").EnumerateArray()
                .Where(s => s.GetProperty("spanName").GetString() is "chatCompletions" or "embeddings").Select(s => s.Clone()).ToList();
        }, spans => spans.Count == 1, _ => "the root span reaching the span store");
        return roots[0];
    }
}
