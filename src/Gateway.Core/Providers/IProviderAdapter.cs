using Gateway.Config;
using Gateway.Proxy;

namespace Gateway.Providers;

/// <summary>
/// What differs between provider kinds (YARP's HttpTransformer, one per protocol): the connection, the
/// upstream URL, headers and body of an operation, and, where the wire format is not OpenAI's, the
/// translation of answers back to OpenAI's shape. The model caller and the SSE pump never learn a
/// provider's name; usage, finish reasons and tool calls for spans are read from the translated bytes,
/// so every provider gets the same span attributes.
/// </summary>
internal interface IProviderAdapter
{
    /// <summary>The OpenTelemetry <c>gen_ai.system</c> / <c>gen_ai.provider.name</c> value.</summary>
    string System { get; }

    /// <summary>The long-lived handler of one provider account (STYLE.md 12).</summary>
    HttpMessageHandler CreateHandler(ProviderConfig config);

    /// <summary>
    /// The URL of an operation on this provider, for one of its models (Azure's deployment URLs name it; null: the
    /// provider's own); null when it does not serve the operation.
    /// </summary>
    Uri? UrlFor(ProviderConfig config, ModelConfig? model, Operation op);

    /// <summary>Builds the upstream request to <paramref name="url"/>: credentials and headers around the (already rewritten) body.</summary>
    HttpRequestMessage Prepare(Upstream upstream, Uri url, Operation op, bool stream, PooledContent body);

    /// <summary>
    /// Translates answers to OpenAI's wire format; null when the provider speaks it already (the bytes
    /// pass through untouched, DESIGN.md decision 1).
    /// </summary>
    IResponseTranslator? TranslatorFor(Operation op, bool stream) => null;
}
