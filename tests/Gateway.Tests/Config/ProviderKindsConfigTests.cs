using Gateway.Config;

namespace Gateway.Tests.Config;

public sealed class ProviderKindsConfigTests
{
    [Fact]
    public void AnthropicAndAzure_Parse_WithTheirDefaults()
    {
        var config = ConfigText.Load("""
            providers:
              - name: claude
                type: anthropic
                api_key: sk-ant
                models: [claude-sonnet-4-5]
              - name: azure
                type: azure-openai
                base_url: https://acme.openai.azure.com
                api_key: k
                api_version: 2024-10-21
                models: [gpt-4o]
            """);

        var claude = config.Providers[0];
        Assert.Equal((ProviderKind.Anthropic, null, null), (claude.Kind, claude.BaseUrl, claude.ApiVersion));
        Assert.Equal(ModelTypes.Chat, claude.Models[0].Types);
        var azure = config.Providers[1];
        Assert.Equal((ProviderKind.AzureOpenAI, "2024-10-21"), (azure.Kind, azure.ApiVersion));
    }

    [Fact]
    public void Errors_NameTheFieldAndItsLine()
    {
        var errors = ConfigText.Errors("""
            providers:
              - name: claude
                type: anthropic
                base_url: not-a-url
                models:
                  - {name: embed, types: [embedding]}
                  - chat
              - name: azure
                type: azure-openai
                models: [gpt-4o]
              - name: plain
                type: openai
                base_url: http://x
                api_version: "1"
                models: [m]
              - name: odd
                type: bedrock
                models: [m]
            """);

        Assert.Equal(
        [
            "test.yaml:4:15: providers[0].base_url: 'not-a-url' is not an absolute http(s) URL",
            "test.yaml:6:30: providers[0].models[0].types: an anthropic model serves chat only",
            "test.yaml:8:5: providers[1].base_url: required for an azure-openai provider",
            "test.yaml:8:5: providers[1].api_version: required for an azure-openai provider (e.g. 2024-10-21)",
            "test.yaml:14:18: providers[2].api_version: only anthropic and azure-openai providers take an api_version",
            "test.yaml:17:11: providers[3].type: unknown provider type 'bedrock' (expected openai, anthropic, azure-openai or mock)",
        ], errors);
    }
}
