using System.Collections.Frozen;
using System.Text.Json;
using Gateway.Config;
using Gateway.OpenAI;
using Gateway.OpenAI.Wire;
using Gateway.Providers;

namespace Gateway.Routing;

/// <summary>
/// Every model the configuration serves, by the name clients use. The upstreams come from the
/// <see cref="UpstreamRegistry"/>, which owns them (they outlive the snapshot when a reload keeps them).
/// </summary>
internal sealed class ModelCatalog
{
    private readonly FrozenDictionary<string, ModelTarget> _models;
    private readonly HashSet<Upstream> _upstreams = [];
    private readonly string[] _virtualModels;
    private byte[]? _modelsJson;

    public ModelCatalog(GatewayConfig config, UpstreamRegistry upstreams)
    {
        var models = new Dictionary<string, ModelTarget>(StringComparer.Ordinal);
        foreach (var provider in config.Providers)
        {
            var upstream = upstreams.Get(provider);
            _upstreams.Add(upstream);
            foreach (var model in provider.Models)
            {
                var target = new ModelTarget(upstream, model);
                models[target.Id] = target;
            }
        }
        _models = models.ToFrozenDictionary(StringComparer.Ordinal);
        _virtualModels = config.VirtualModels.Select(vm => vm.Name).ToArray();
    }

    /// <summary>
    /// The <c>GET /v1/models</c> body (provider and virtual models), built once per config on first use: the
    /// serializer's metadata for it cost ~9% of the CPU to the first response at startup (issue #11).
    /// </summary>
    public byte[] ModelsJson => Volatile.Read(ref _modelsJson) ?? BuildModelsJson();

    private byte[] BuildModelsJson()
    {
        var json = BuildModelsJson(
            _models.Values.Select(m => (m.Id, m.Upstream.Name))
                .Concat(_virtualModels.Select(name => (Id: name, Owner: "virtual-model")))
                .OrderBy(m => m.Item1, StringComparer.Ordinal));
        // Two first callers may both build it: the same bytes, one kept.
        return Interlocked.CompareExchange(ref _modelsJson, json, null) ?? json;
    }

    public IEnumerable<ModelTarget> All => _models.Values;

    /// <summary>The upstreams this snapshot sends to.</summary>
    public IReadOnlySet<Upstream> Upstreams => _upstreams;

    public bool TryGet(string name, out ModelTarget target) => _models.TryGetValue(name, out target!);

    private static byte[] BuildModelsJson(IEnumerable<(string Id, string Owner)> models) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new ModelList("list", models.Select(m => new ModelList.Model(m.Id, "model", 0, m.Owner)).ToArray()),
            OpenAIJsonContext.Wire.ModelList);
}
