using System.Net;
using Gateway.Config;
using Gateway.Providers.Anthropic;
using Gateway.Proxy;

namespace Gateway.Providers;

/// <summary>
/// Any OpenAI-compatible API (OpenAI, vLLM, Together, Groq, ...): the identity adapter. The body goes
/// as the client sent it (model name rewritten) and the answer comes back untouched.
/// </summary>
internal sealed class OpenAICompatibleAdapter : IProviderAdapter
{
    public static readonly OpenAICompatibleAdapter Instance = new();

    public string System => "openai";

    public HttpMessageHandler CreateHandler(ProviderConfig config) => new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseProxy = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
        ConnectTimeout = TimeSpan.FromMilliseconds(config.ConnectTimeoutMs),
        EnableMultipleHttp2Connections = true,
        // The gateway injects traceparent from its own span (Tracing/); no implicit propagation.
        ActivityHeadersPropagator = null,
    };

    public Uri? UrlFor(ProviderConfig config, ModelConfig? model, Operation op) => op == Operation.CountTokens ? null : Urls(config.BaseUrl!, op);

    public HttpRequestMessage Prepare(Upstream upstream, Uri url, Operation op, bool stream, PooledContent body) => Build(upstream, url, op, stream, body);

    /// <summary>An Anthropic Messages request arrives translated to a chat completion, whose answer goes back as a message.</summary>
    public IResponseTranslator? TranslatorFor(Operation op, bool stream) => Translator(op);

    internal static IResponseTranslator? Translator(Operation op) => op == Operation.Messages ? new ChatToMessagesTranslator() : null;

    /// <summary>An OpenAI-shaped request: bearer key, the provider's configured headers, SSE accept for streams.</summary>
    internal static HttpRequestMessage Build(Upstream upstream, Uri url, Operation op, bool stream, PooledContent body)
    {
        HttpContent content = op == Operation.Messages ? AnthropicAdapter.Json(MessagesToChatRequest.Translate(body.Memory.Span)) : body;
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        if (upstream.Authorization is not null) request.Headers.Authorization = upstream.Authorization;
        foreach (var (name, value) in upstream.Config.Headers) request.Headers.TryAddWithoutValidation(name, value);
        if (stream) request.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
        return request;
    }

    /// <summary>The operation's path after the base URL's path; a query (some providers take a key there) stays the query.</summary>
    internal static Uri Urls(string baseUrl, Operation op)
    {
        var url = new UriBuilder(baseUrl);
        url.Path = url.Path.TrimEnd('/') + op switch
        {
            // /v1/messages is translated to a chat completion (Anthropic/).
            Operation.Chat or Operation.Messages => "/chat/completions",
            Operation.Completion => "/completions",
            Operation.Responses => "/responses",
            Operation.Rerank => "/rerank",
            _ => "/embeddings",
        };
        return url.Uri;
    }
}
