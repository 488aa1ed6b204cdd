using Gateway.Config;
using Gateway.Proxy;

namespace Gateway.Providers;

/// <summary>
/// The built-in <c>mock</c> provider as an adapter like any other: OpenAI's wire format, answered in
/// process by <see cref="MockHandler"/>, so it runs exactly the path an HTTP upstream does.
/// </summary>
internal sealed class MockAdapter : IProviderAdapter
{
    public static readonly MockAdapter Instance = new();

    private const string BaseUrl = "http://mock.invalid/v1";

    public string System => "mock";

    public HttpMessageHandler CreateHandler(ProviderConfig config) => new MockHandler(config.TokenDelayMs);

    public Uri? UrlFor(ProviderConfig config, ModelConfig? model, Operation op) => op == Operation.CountTokens ? null : OpenAICompatibleAdapter.Urls(BaseUrl, op);

    public HttpRequestMessage Prepare(Upstream upstream, Uri url, Operation op, bool stream, PooledContent body) =>
        OpenAICompatibleAdapter.Build(upstream, url, op, stream, body);

    public IResponseTranslator? TranslatorFor(Operation op, bool stream) => OpenAICompatibleAdapter.Translator(op);
}
