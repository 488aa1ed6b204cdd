using Gateway.Config;

namespace Gateway.Providers;

/// <summary>The adapter of each provider kind (config <c>type</c>).</summary>
internal static class ProviderAdapters
{
    public static IProviderAdapter For(ProviderKind kind) => kind switch
    {
        ProviderKind.Mock => MockAdapter.Instance,
        ProviderKind.Anthropic => Anthropic.AnthropicAdapter.Instance,
        ProviderKind.AzureOpenAI => Azure.AzureOpenAIAdapter.Instance,
        _ => OpenAICompatibleAdapter.Instance,
    };
}
