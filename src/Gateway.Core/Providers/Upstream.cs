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
    /// <summary>By <see cref="Operation"/>; null where the provider does not serve it.</summary>
    private readonly Uri?[] _urls;

    public Upstream(ProviderConfig config, IProviderAdapter? adapter = null)
    {
        Config = config;
        Adapter = adapter ?? ProviderAdapters.For(config.Kind);
        _invoker = new HttpMessageInvoker(Adapter.CreateHandler(config), disposeHandler: true);
        _urls = new Uri?[Enum.GetValues<Operation>().Length];
        foreach (var op in Enum.GetValues<Operation>()) _urls[(int)op] = Adapter.UrlFor(config, null, op);
        Authorization = config.ApiKey is null ? null : new AuthenticationHeaderValue("Bearer", config.ApiKey);
    }

    public ProviderConfig Config { get; }
    public IProviderAdapter Adapter { get; }
    public string Name => Config.Name;
    public AuthenticationHeaderValue? Authorization { get; }
    /// <summary>The OpenTelemetry <c>gen_ai.system</c> / provider name.</summary>
    public string System => Adapter.System;

    /// <summary>The provider's URL of an operation; a model's may differ (<see cref="Routing.ModelTarget.UrlFor"/>).</summary>
    public Uri UrlFor(Operation op) => _urls[(int)op] ?? throw new InvalidOperationException($"{Name} does not serve {op}");

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct) =>
        _invoker.SendAsync(request, ct);

    public void Dispose() => _invoker.Dispose();
}
