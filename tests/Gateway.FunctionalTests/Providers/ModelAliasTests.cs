using System.ClientModel;
using System.Net;
using Gateway.FunctionalTests.Infrastructure;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Models;

namespace Gateway.FunctionalTests.Providers;

/// <summary><c>model_aliases</c> and <c>GET /v1/models/{id}</c>, through the OpenAI SDK.</summary>
public sealed class ModelAliasTests : IAsyncLifetime
{
    private FakeUpstream _upstream = null!;
    private GatewayUnderTest _gateway = null!;

    private OpenAIClientOptions Options => new() { Endpoint = _gateway.OpenAIBase };

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _gateway = await GatewayUnderTest.StartAsync(Configs.OneUpstream(_upstream) + """

            virtual_models:
              - name: team/chat
                routing_config:
                  type: weight-based-routing
                  load_balance_targets: [{target: fake/gpt-4o, weight: 100}]
            model_aliases:
              gpt-4o-mini: fake/gpt-4o
              team-default: team/chat
            """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task Chat_ByAlias_ReachesTheAliasedModel_AndTheAnswerNamesTheModelThatAnswered()
    {
        _upstream.Handler = (ctx, _) => FakeResponses.Completion(ctx, "hi");
        var client = new ChatClient("gpt-4o-mini", new ApiKeyCredential("unused"), Options);

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("ping")]);

        Assert.Equal("hi", completion.Content[0].Text);
        // The upstream got its own name for the model; the answer's model is the one that answered, untouched.
        Assert.Contains("\"model\":\"gpt-4o-2024\"", Assert.Single(_upstream.Requests).BodyText);
        Assert.Equal("up", completion.Model);
    }

    [Fact]
    public async Task Chat_ByAliasOfAVirtualModel_IsRoutedByIt()
    {
        _upstream.Handler = (ctx, _) => FakeResponses.Completion(ctx, "routed");
        var client = new ChatClient("team-default", new ApiKeyCredential("unused"), Options);

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("ping")]);

        Assert.Equal("routed", completion.Content[0].Text);
        Assert.Contains("\"model\":\"gpt-4o-2024\"", Assert.Single(_upstream.Requests).BodyText);
    }

    [Fact]
    public async Task ModelsRetrieve_AnswersProviderModelsVirtualModelsAndAliases()
    {
        var client = new OpenAIModelClient(new ApiKeyCredential("unused"), Options);

        OpenAIModel direct = await client.GetModelAsync("fake/gpt-4o");
        OpenAIModel alias = await client.GetModelAsync("gpt-4o-mini");
        OpenAIModel virtualModel = await client.GetModelAsync("team/chat");

        Assert.Equal(("fake/gpt-4o", "fake"), (direct.Id, direct.OwnedBy));
        Assert.Equal(("gpt-4o-mini", "fake"), (alias.Id, alias.OwnedBy));
        Assert.Equal(("team/chat", "virtual-model"), (virtualModel.Id, virtualModel.OwnedBy));
    }

    [Fact]
    public async Task ModelsList_IncludesAliases()
    {
        var client = new OpenAIModelClient(new ApiKeyCredential("unused"), Options);

        OpenAIModelCollection models = await client.GetModelsAsync();

        Assert.Contains(models, m => m.Id == "gpt-4o-mini" && m.OwnedBy == "fake");
        Assert.Contains(models, m => m.Id == "team-default" && m.OwnedBy == "virtual-model");
    }

    [Fact]
    public async Task ModelsRetrieve_UnknownModel_Is404InOpenAIShape()
    {
        var client = new OpenAIModelClient(new ApiKeyCredential("unused"), Options);

        var e = await Assert.ThrowsAsync<ClientResultException>(() => client.GetModelAsync("nope/model"));

        Assert.Equal(404, e.Status);
        Assert.Contains("model_not_found", e.Message);
    }

    [Fact]
    public async Task ModelsRetrieve_UnescapedSlash_AndWrongMethod()
    {
        var ok = await _gateway.Client.GetAsync("/v1/models/fake/gpt-4o");
        var post = await _gateway.Client.PostAsync("/v1/models/fake/gpt-4o", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Contains("\"id\":\"fake/gpt-4o\"", await ok.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal("GET", post.Content.Headers.Allow.Single());
    }
}
