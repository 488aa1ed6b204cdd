using System.ClientModel;
using Gateway.FunctionalTests.Infrastructure;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;

namespace Gateway.FunctionalTests.Providers;

/// <summary><c>type: azure-openai</c>: deployment URLs, <c>api-version</c>, the <c>api-key</c> header; the OpenAI SDK as the client.</summary>
public sealed class AzureOpenAITests : IAsyncLifetime
{
    private FakeUpstream _upstream = null!;
    private GatewayUnderTest _gateway = null!;

    private OpenAIClientOptions Options => new() { Endpoint = _gateway.OpenAIBase };

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _gateway = await GatewayUnderTest.StartAsync($$"""
            server:
              sse_keepalive_ms: 0
            providers:
              - name: azure
                type: azure-openai
                base_url: {{_upstream.Origin}}
                api_key: azure-secret
                api_version: 2024-10-21
                models:
                  - name: gpt-4o
                    upstream_model: gpt4o-prod
                  - name: embed
                    upstream_model: embed-deployment
                    types: [embedding]
            """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task Chat_GoesToTheDeploymentUrl_WithApiVersionAndApiKey()
    {
        _upstream.Handler = (ctx, _) => FakeResponses.Completion(ctx, "from azure");
        var client = new ChatClient("azure/gpt-4o", new ApiKeyCredential("unused"), Options);

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("hi")]);

        Assert.Equal("from azure", completion.Content[0].Text);
        var sent = Assert.Single(_upstream.Requests);
        Assert.Equal("/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21", sent.Path);
        Assert.Equal("azure-secret", sent.Headers["api-key"]);
        Assert.False(sent.Headers.ContainsKey("Authorization"));
    }

    [Fact]
    public async Task Chat_Streaming_PassesThrough()
    {
        _upstream.Handler = (ctx, _) => FakeResponses.Stream(ctx, ["Az", "ure"]);
        var client = new ChatClient("azure/gpt-4o", new ApiKeyCredential("unused"), Options);

        var text = "";
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("hi")]))
        {
            foreach (var part in update.ContentUpdate) text += part.Text;
        }

        Assert.Equal("Azure", text);
        Assert.Equal("/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21", Assert.Single(_upstream.Requests).Path);
    }

    [Fact]
    public async Task Embeddings_GoToTheirDeployment()
    {
        _upstream.Handler = (ctx, _) =>
        {
            ctx.Response.ContentType = "application/json";
            return Microsoft.AspNetCore.Http.HttpResponseWritingExtensions.WriteAsync(ctx.Response,
                """{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5,0.25]}],"model":"embed","usage":{"prompt_tokens":2,"total_tokens":2}}""");
        };
        var client = new EmbeddingClient("azure/embed", new ApiKeyCredential("unused"), Options);

        OpenAIEmbedding embedding = await client.GenerateEmbeddingAsync("text");

        Assert.Equal([0.5f, 0.25f], embedding.ToFloats().ToArray());
        Assert.Equal("/openai/deployments/embed-deployment/embeddings?api-version=2024-10-21", Assert.Single(_upstream.Requests).Path);
    }
}
