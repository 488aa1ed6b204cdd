using System.Text.Json;
using Gateway.Config;
using Gateway.Providers;
using Gateway.Tracing;

namespace Gateway.Routing;

/// <summary>A servable model: <c>provider/model</c>, the upstream that serves it and its name there.</summary>
internal sealed class ModelTarget
{
    /// <summary>By <see cref="Operation"/>, built once per config; null where the model's provider does not serve it.</summary>
    private readonly Uri?[] _urls;
    /// <summary>The span attributes of each URL in <see cref="_urls"/>.</summary>
    private readonly UpstreamUrlTags?[] _urlTags;

    public ModelTarget(Upstream upstream, ModelConfig model)
    {
        Upstream = upstream;
        Model = model;
        Id = upstream.Name + "/" + model.Name;
        UpstreamModelJson = JsonEncodedText.Encode(model.UpstreamModel, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping).EncodedUtf8Bytes.ToArray();
        _urls = new Uri?[Enum.GetValues<Operation>().Length];
        _urlTags = new UpstreamUrlTags?[_urls.Length];
        foreach (var op in Enum.GetValues<Operation>())
        {
            var url = upstream.Adapter.UrlFor(upstream.Config, model, op);
            _urls[(int)op] = url;
            _urlTags[(int)op] = url is null ? null : new UpstreamUrlTags(url);
        }
    }

    /// <summary>Where a request of this operation for this model goes (a provider URL, or a per-model one such as Azure's deployments).</summary>
    public Uri UrlFor(Operation op) => _urls[(int)op] ?? throw new InvalidOperationException($"{Id} does not serve {op}");

    /// <summary>The span attributes of <see cref="UrlFor"/>'s URL, built with it; null where the operation is not served.</summary>
    public UpstreamUrlTags? UrlTagsFor(Operation op) => _urlTags[(int)op];

    /// <summary>The name clients use, e.g. <c>openai-main/gpt-4o</c>.</summary>
    public string Id { get; }
    public Upstream Upstream { get; }
    public ModelConfig Model { get; }
    /// <summary>The upstream model name as JSON string contents (escaped, without quotes).</summary>
    public byte[] UpstreamModelJson { get; }

    /// <summary>The model's types include the operation's, and its provider serves the operation (count_tokens: Anthropic only).</summary>
    public bool Supports(Operation op) => (Model.Types & op.ModelType()) != 0 && _urls[(int)op] is not null;

    /// <summary>USD for the given usage, or null when the model has no price.</summary>
    public double? Cost(long? input, long? output)
    {
        if (Model.InputPricePerMillion is null && Model.OutputPricePerMillion is null) return null;
        return ((input ?? 0) * (Model.InputPricePerMillion ?? 0) + (output ?? 0) * (Model.OutputPricePerMillion ?? 0)) / 1_000_000.0;
    }
}
