using Gateway.Config;
using Gateway.Proxy;

namespace Gateway.Providers.Azure;

/// <summary>
/// Azure OpenAI (<c>type: azure-openai</c>): OpenAI's wire format at deployment URLs,
/// <c>{base_url}/openai/deployments/{deployment}/{operation}?api-version={api_version}</c>, where a model's
/// <c>upstream_model</c> is its deployment name; the key goes in the <c>api-key</c> header
/// (https://learn.microsoft.com/azure/ai-services/openai/reference). Answers pass through untouched, and
/// /v1/messages is translated as for any OpenAI-compatible upstream.
/// </summary>
internal sealed class AzureOpenAIAdapter : IProviderAdapter
{
    public static readonly AzureOpenAIAdapter Instance = new();

    public string System => "azure.ai.openai";

    public HttpMessageHandler CreateHandler(ProviderConfig config) => OpenAICompatibleAdapter.Instance.CreateHandler(config);

    public Uri? UrlFor(ProviderConfig config, ModelConfig? model, Operation op)
    {
        // The provider itself has no URL of its own: every request names a deployment.
        if (model is null) return new Uri(config.BaseUrl!);
        if (op == Operation.CountTokens) return null;
        var url = new UriBuilder(config.BaseUrl!);
        var operation = OpenAICompatibleAdapter.Urls("http://x", op).AbsolutePath;
        url.Path = url.Path.TrimEnd('/') + "/openai/deployments/" + Uri.EscapeDataString(model.UpstreamModel) + operation;
        var query = url.Query.TrimStart('?');
        url.Query = (query.Length > 0 ? query + "&" : "") + "api-version=" + Uri.EscapeDataString(config.ApiVersion!);
        return url.Uri;
    }

    public HttpRequestMessage Prepare(Upstream upstream, Uri url, Operation op, bool stream, PooledContent body)
    {
        var request = OpenAICompatibleAdapter.Build(upstream, url, op, stream, body);
        // Azure's key header instead of OpenAI's bearer token (an Entra ID token can still be set in headers).
        if (upstream.Config.ApiKey is { } key)
        {
            request.Headers.Authorization = null;
            request.Headers.TryAddWithoutValidation("api-key", key);
        }
        return request;
    }

    public IResponseTranslator? TranslatorFor(Operation op, bool stream) => OpenAICompatibleAdapter.Translator(op);
}
