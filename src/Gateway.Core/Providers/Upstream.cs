using System.Net.Http.Headers;
using Gateway.Config;

namespace Gateway.Providers;

/// <summary>
/// One provider account's connection: its adapter, a long-lived handler behind an
/// <see cref="HttpMessageInvoker"/> (STYLE.md 12), its URLs and its credentials. Lives in the
/// <see cref="UpstreamRegistry"/>, outside the config snapshot, so its pooled connections survive a
/// reload that does not change how the provider is reached.
/// </summary>
internal sealed class Upstream : IDisposable
{
    private readonly HttpMessageInvoker _invoker;
    private readonly Uri _chat;
    private readonly Uri _completions;
    private readonly Uri _embeddings;

    public Upstream(ProviderConfig config, IProviderAdapter? adapter = null)
    {
        Config = config;
        Adapter = adapter ?? ProviderAdapters.For(config.Kind);
        _invoker = new HttpMessageInvoker(Adapter.CreateHandler(config), disposeHandler: true);
        _chat = Adapter.UrlFor(config, Operation.Chat);
        _completions = Adapter.UrlFor(config, Operation.Completion);
        _embeddings = Adapter.UrlFor(config, Operation.Embedding);
        Authorization = config.ApiKey is null ? null : new AuthenticationHeaderValue("Bearer", config.ApiKey);
    }

    public ProviderConfig Config { get; }
    public IProviderAdapter Adapter { get; }
    public string Name => Config.Name;
    public AuthenticationHeaderValue? Authorization { get; }
    /// <summary>The OpenTelemetry <c>gen_ai.system</c> / provider name.</summary>
    public string System => Adapter.System;

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
