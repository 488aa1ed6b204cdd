using System.ClientModel;
using System.Net.Sockets;
using Gateway.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Http;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;

namespace Gateway.FunctionalTests.Sdk;

/// <summary>The official OpenAI .NET SDK as a client, pointed at the gateway by base URL and nothing else.</summary>
public sealed class OpenAISdkTests : UpstreamGatewayTest
{
    private OpenAIClientOptions Options => new() { Endpoint = Gateway.OpenAIBase };

    [Fact]
    public async Task Chat_NonStreaming_ThroughMockProvider()
    {
        var client = new ChatClient("mock/echo", new ApiKeyCredential("unused"), Options);

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("ping")]);

        Assert.Equal("This is a mock response from echo. You said: ping", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.True(completion.Usage.OutputTokenCount > 0);
    }

    [Fact]
    public async Task Chat_Streaming_WithUsage_ThroughAnHttpUpstream()
    {
        Upstream.Handler = (ctx, _) => Sse.WriteAsync(ctx, [Sse.Chunk("Hel"), Sse.Chunk("lo"), Sse.Chunk("", "stop"), Sse.Usage]);
        var client = new ChatClient("fake/gpt-4o", new ApiKeyCredential("unused"), Options);

        var text = "";
        ChatTokenUsage? usage = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("hi")], new ChatCompletionOptions()))
        {
            foreach (var part in update.ContentUpdate) text += part.Text;
            usage ??= update.Usage;
        }

        Assert.Equal("Hello", text);
        Assert.Equal(3, usage!.OutputTokenCount);
        // The SDK asks for usage in streams; the gateway forwards the option as sent.
        Assert.Contains("\"include_usage\":true", Assert.Single(Upstream.Requests).BodyText);
    }

    [Fact]
    public async Task Chat_Streaming_ThroughMockProvider()
    {
        var client = new ChatClient("mock/echo", new ApiKeyCredential("unused"), Options);

        var text = "";
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("stream me")]))
        {
            foreach (var part in update.ContentUpdate) text += part.Text;
        }

        Assert.Equal("This is a mock response from echo. You said: stream me", text);
    }

    [Fact]
    public async Task Chat_StreamCutInHalf_SdkRaises()
    {
        // The upstream dies once the SDK has handed out the first update.
        var firstUpdate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Upstream.Handler = async (ctx, _) =>
        {
            await Sse.WriteAsync(ctx, [Sse.Chunk("part")], done: false);
            await firstUpdate.Task.WaitAsync(TimeSpan.FromSeconds(10));
            ctx.Abort();
        };
        var client = new ChatClient("fake/gpt-4o", new ApiKeyCredential("unused"), Options);

        var text = "";
        var e = await Record.ExceptionAsync(async () =>
        {
            await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("hi")]))
            {
                foreach (var part in update.ContentUpdate) text += part.Text;
                firstUpdate.TrySetResult();
            }
        });

        Assert.Equal("part", text);
        // Not a ClientResultException: the status was 200. The gateway ends the stream with an error
        // event and then a reset, never a clean end, so the SDK's read of the stream fails.
        var io = Assert.IsType<IOException>(e);
        Assert.Equal(SocketError.ConnectionReset, Assert.IsType<SocketException>(io.InnerException).SocketErrorCode);
    }

    [Fact]
    public async Task Chat_ToolCalls_ThroughMockProvider()
    {
        var client = new ChatClient("mock/echo", new ApiKeyCredential("unused"), Options);
        var options = new ChatCompletionOptions { Tools = { ChatTool.CreateFunctionTool("get_weather", "Weather", BinaryData.FromString("""{"type":"object","properties":{}}""")) } };

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("weather?")], options);

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        Assert.Equal("get_weather", Assert.Single(completion.ToolCalls).FunctionName);
    }

    [Fact]
    public async Task Embeddings_DefaultBase64_ThroughMockProvider()
    {
        // The SDK asks for base64 by default and decodes it; the gateway must pass it through intact.
        var client = new EmbeddingClient("mock/text-embedding-3-small", new ApiKeyCredential("unused"), Options);
        await using var gateway = await GatewayUnderTest.StartAsync(MockOnly);
        client = new EmbeddingClient("mock/text-embedding-3-small", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = gateway.OpenAIBase });

        OpenAIEmbedding embedding = await client.GenerateEmbeddingAsync("hello", new EmbeddingGenerationOptions { Dimensions = 16 });

        var vector = embedding.ToFloats().ToArray();
        Assert.Equal(16, vector.Length);
        Assert.InRange(vector.Sum(v => v * v), 0.99f, 1.01f);
    }

    [Fact]
    public async Task Embeddings_ThroughAnHttpUpstream()
    {
        Upstream.Handler = async (ctx, body) =>
        {
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync("""{"object":"list","data":[{"object":"embedding","index":0,"embedding":"AACAPwAAAEAAAEBA"}],"model":"text-embedding-3-small","usage":{"prompt_tokens":1,"total_tokens":1}}""");
        };
        var client = new EmbeddingClient("fake/embed", new ApiKeyCredential("unused"), Options);

        OpenAIEmbedding embedding = await client.GenerateEmbeddingAsync("hello");

        Assert.Equal([1f, 2f, 3f], embedding.ToFloats().ToArray());
        Assert.Contains("\"encoding_format\":\"base64\"", Assert.Single(Upstream.Requests).BodyText);
    }

    [Fact]
    public async Task UnknownModel_SdkSeesA404()
    {
        var client = new ChatClient("nope/model", new ApiKeyCredential("unused"), Options);

        var error = await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(404, error.Status);
    }

    private const string MockOnly = """
        providers:
          - name: mock
            type: mock
            token_delay_ms: 0
            models:
              - name: text-embedding-3-small
                types: [embedding]
        """;
}
