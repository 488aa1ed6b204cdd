using System.Net;
using System.Net.Http.Headers;
using Gateway.Config;

namespace Gateway.Providers;

/// <summary>
/// One provider account's connection: a long-lived <see cref="SocketsHttpHandler"/> behind an
/// <see cref="HttpMessageInvoker"/> (STYLE.md 12), its base URL and its credentials.
/// </summary>
internal sealed class Upstream : IDisposable
{
    private readonly HttpMessageInvoker _invoker;
    private readonly Uri _chat;
    private readonly Uri _completions;
    private readonly Uri _embeddings;

    public Upstream(ProviderConfig config)
    {
        Config = config;
        HttpMessageHandler handler = config.Kind == ProviderKind.Mock
            ? new MockHandler(config.TokenDelayMs)
            : new SocketsHttpHandler
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
        _invoker = new HttpMessageInvoker(handler, disposeHandler: true);
        var baseUrl = config.Kind == ProviderKind.Mock ? "http://mock.invalid/v1" : config.BaseUrl!;
        _chat = Endpoint(baseUrl, "/chat/completions");
        _completions = Endpoint(baseUrl, "/completions");
        _embeddings = Endpoint(baseUrl, "/embeddings");
        Authorization = config.ApiKey is null ? null : new AuthenticationHeaderValue("Bearer", config.ApiKey);
    }

    public ProviderConfig Config { get; }
    public string Name => Config.Name;
    public AuthenticationHeaderValue? Authorization { get; }
    /// <summary>The OpenTelemetry <c>gen_ai.system</c> / provider name.</summary>
    public string System => Config.Kind == ProviderKind.Mock ? "mock" : "openai";

    /// <summary>The operation's path after the base URL's path; a query (some providers take a key there) stays the query.</summary>
    private static Uri Endpoint(string baseUrl, string path)
    {
        var url = new UriBuilder(baseUrl);
        url.Path = url.Path.TrimEnd('/') + path;
        return url.Uri;
    }

    public Uri UrlFor(Operation op) => op switch
    {
        Operation.Chat => _chat,
        Operation.Completion => _completions,
        _ => _embeddings,
    };

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct) =>
        _invoker.SendAsync(request, ct);

    public void Dispose() => _invoker.Dispose();
}

internal enum Operation
{
    Chat,
    Completion,
    Embedding,
}
