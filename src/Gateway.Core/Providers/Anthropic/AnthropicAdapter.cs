using Gateway.Config;
using Gateway.Proxy;

namespace Gateway.Providers.Anthropic;

/// <summary>
/// Anthropic's Messages API (<c>type: anthropic</c>). Chat completions are translated to a Messages
/// request and the answer back to OpenAI's shape (<see cref="ChatToMessagesRequest"/>,
/// <see cref="MessagesToChatTranslator"/>); <c>/v1/messages</c> passes through untouched. Credentials go in
/// <c>x-api-key</c>, the API version in <c>anthropic-version</c> (config <c>api_version</c>).
/// </summary>
internal sealed class AnthropicAdapter : IProviderAdapter
{
    public static readonly AnthropicAdapter Instance = new();

    public const string DefaultBaseUrl = "https://api.anthropic.com/v1";
    public const string DefaultVersion = "2023-06-01";

    public string System => "anthropic";

    public HttpMessageHandler CreateHandler(ProviderConfig config) => OpenAICompatibleAdapter.Instance.CreateHandler(config);

    public Uri? UrlFor(ProviderConfig config, ModelConfig? model, Operation op)
    {
        if (op is not (Operation.Chat or Operation.Messages or Operation.CountTokens)) return null;
        var url = new UriBuilder(config.BaseUrl ?? DefaultBaseUrl);
        url.Path = url.Path.TrimEnd('/') + (op == Operation.CountTokens ? "/messages/count_tokens" : "/messages");
        return url.Uri;
    }

    public HttpRequestMessage Prepare(Upstream upstream, Uri url, Operation op, bool stream, PooledContent body)
    {
        HttpContent content = op == Operation.Chat ? Json(ChatToMessagesRequest.Translate(body.Memory.Span)) : body;
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        if (upstream.Config.ApiKey is { } key) request.Headers.TryAddWithoutValidation("x-api-key", key);
        request.Headers.TryAddWithoutValidation("anthropic-version", upstream.Config.ApiVersion ?? DefaultVersion);
        foreach (var (name, value) in upstream.Config.Headers)
        {
            request.Headers.Remove(name);
            request.Headers.TryAddWithoutValidation(name, value);
        }
        if (stream) request.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
        return request;
    }

    public IResponseTranslator? TranslatorFor(Operation op, bool stream) => op == Operation.Chat ? new MessagesToChatTranslator() : null;

    internal static ByteArrayContent Json(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return content;
    }
}
