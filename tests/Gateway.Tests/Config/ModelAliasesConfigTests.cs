using Gateway.Config;

namespace Gateway.Tests.Config;

public sealed class ModelAliasesConfigTests
{
    [Fact]
    public void Aliases_NameProviderAndVirtualModels()
    {
        var config = ConfigText.Load(ConfigText.Providers + """

            virtual_models:
              - name: team/chat
                routing_config:
                  type: weight-based-routing
                  load_balance_targets: [{target: a/m, weight: 100}]
            model_aliases:
              gpt-4o-mini: a/m
              gpt-4.1: team/chat
            """);

        Assert.Equal("a/m", config.ModelAliases["gpt-4o-mini"]);
        Assert.Equal("team/chat", config.ModelAliases["gpt-4.1"]);
    }

    [Fact]
    public void Errors_NameTheAliasAndItsLine()
    {
        var errors = ConfigText.Errors(ConfigText.Providers + """

            model_aliases:
              fine: a/m
              unknown: a/nope
              a/m: b/m
              chain: fine
              "bad name": a/m
              empty: ""
            """);

        Assert.Equal(
        [
            "test.yaml:13:12: model_aliases.unknown: unknown model 'a/nope'; known: a/e, a/m, b/m",
            "test.yaml:14:3: model_aliases.a/m: 'a/m' is already a provider model",
            "test.yaml:15:10: model_aliases.chain: unknown model 'fine' (an alias may not point at another alias)",
            "test.yaml:16:3: model_aliases.bad name: 'bad name' must be letters, digits, '-', '_', '.', ':' or '/'",
            "test.yaml:17:10: model_aliases.empty: required: a provider model or a virtual model",
        ], errors);
    }

    [Fact]
    public void EmbeddedDefault_AliasesTheMockModels()
    {
        var config = ConfigLoader.LoadDefault(_ => null);

        Assert.Equal("mock/gpt-4o", config.ModelAliases["gpt-4o"]);
        Assert.Equal("mock/text-embedding-3-small", config.ModelAliases["text-embedding-3-small"]);
    }

    [Fact]
    public void EmbeddedDefault_WithAnOpenAIKey_AliasesOpenAIsModels()
    {
        var config = ConfigLoader.LoadDefault(name => name == "OPENAI_API_KEY" ? "sk-x" : null);

        Assert.Equal("openai-main/gpt-4o-mini", config.ModelAliases["gpt-4o-mini"]);
        Assert.Equal("mock/echo", config.ModelAliases["echo"]);
    }
}
