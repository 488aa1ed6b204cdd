using System.Text.Json;
using Gateway.Config;
using Gateway.Providers;

namespace Gateway.Routing;

/// <summary>A servable model: <c>provider/model</c>, the upstream that serves it and its name there.</summary>
internal sealed class ModelTarget
{
    public ModelTarget(Upstream upstream, ModelConfig model)
    {
        Upstream = upstream;
        Model = model;
        Id = upstream.Name + "/" + model.Name;
        UpstreamModelJson = JsonEncodedText.Encode(model.UpstreamModel, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping).EncodedUtf8Bytes.ToArray();
    }

    /// <summary>The name clients use, e.g. <c>openai-main/gpt-4o</c>.</summary>
    public string Id { get; }
    public Upstream Upstream { get; }
    public ModelConfig Model { get; }
    /// <summary>The upstream model name as JSON string contents (escaped, without quotes).</summary>
    public byte[] UpstreamModelJson { get; }

    public bool Supports(Operation op) => (Model.Types & op.ModelType()) != 0;

    /// <summary>USD for the given usage, or null when the model has no price.</summary>
    public double? Cost(long? input, long? output)
    {
        if (Model.InputPricePerMillion is null && Model.OutputPricePerMillion is null) return null;
        return ((input ?? 0) * (Model.InputPricePerMillion ?? 0) + (output ?? 0) * (Model.OutputPricePerMillion ?? 0)) / 1_000_000.0;
    }
}
