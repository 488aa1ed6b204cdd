using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Pipeline;

/// <summary>
/// The mock adapter and the OpenAI-compatible adapter through the same scenarios: <c>direct/echo</c> is the
/// mock in this gateway; <c>compat/echo</c> is an OpenAI-compatible provider whose upstream is a second
/// gateway serving the same mock over real HTTP. Both must give the client the same answers.
/// </summary>
public sealed class AdapterParityTests : IAsyncLifetime
{
    private GatewayUnderTest _inner = null!;
    private GatewayUnderTest _outer = null!;

    public async Task InitializeAsync()
    {
        _inner = await GatewayUnderTest.StartAsync("""
            providers:
              - name: mock
                type: mock
                token_delay_ms: 1
                models:
                  - {name: echo, types: [chat, completion]}
                  - {name: embed, types: [embedding]}
            """);
        _outer = await GatewayUnderTest.StartAsync($$"""
            server:
              sse_keepalive_ms: 0
            providers:
              - name: direct
                type: mock
                token_delay_ms: 1
                models:
                  - {name: echo, types: [chat, completion]}
                  - {name: embed, types: [embedding]}
              - name: compat
                type: openai
                base_url: {{_inner.OpenAIBase}}
                api_key: sk-inner
                models:
                  - {name: echo, upstream_model: mock/echo, types: [chat, completion]}
                  - {name: embed, upstream_model: mock/embed, types: [embedding]}
            """);
    }

    public async Task DisposeAsync()
    {
        await _outer.DisposeAsync();
        await _inner.DisposeAsync();
    }

    public static TheoryData<string> Providers => new() { "direct", "compat" };

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(string path, string json)
    {
        using var response = await _outer.Client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Chat_answers_whole(string provider)
    {
        var (status, body) = await PostAsync("/v1/chat/completions", $$"""{"model":"{{provider}}/echo","messages":[{"role":"user","content":"parity"}]}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var root = JsonDocument.Parse(body).RootElement;
        Assert.Equal("This is a mock response from echo. You said: parity", root.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("stop", root.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.True(root.GetProperty("usage").GetProperty("completion_tokens").GetInt32() > 0);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Chat_streams_to_done(string provider)
    {
        var (status, body) = await PostAsync("/v1/chat/completions", $$"""{"model":"{{provider}}/echo","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"parity"}]}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("This is a mock response from echo. You said: parity", FakeResponses.StreamedText(body));
        Assert.EndsWith("data: [DONE]\n\n", body);
        Assert.Contains("\"usage\":{", body);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Completions_answer(string provider)
    {
        var (status, body) = await PostAsync("/v1/completions", $$"""{"model":"{{provider}}/echo","prompt":"parity"}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("parity", JsonDocument.Parse(body).RootElement.GetProperty("choices")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Embeddings_are_the_same_through_both()
    {
        var (directStatus, direct) = await PostAsync("/v1/embeddings", """{"model":"direct/embed","input":["a","b"]}""");
        var (compatStatus, compat) = await PostAsync("/v1/embeddings", """{"model":"compat/embed","input":["a","b"]}""");

        Assert.Equal(HttpStatusCode.OK, directStatus);
        Assert.Equal(HttpStatusCode.OK, compatStatus);
        static string Vectors(string json) => JsonDocument.Parse(json).RootElement.GetProperty("data").GetRawText();
        Assert.Equal(Vectors(direct), Vectors(compat));
    }
}
