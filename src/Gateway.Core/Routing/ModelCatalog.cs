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
    private const string VirtualOwner = "virtual-model";
    private readonly HashSet<Upstream> _upstreams = [];
    private readonly FrozenDictionary<string, ModelList.Model> _listed;
    private readonly ModelList.Model[] _ordered;
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
        var listed = _models.Values.Select(m => new ModelList.Model(m.Id, "model", 0, m.Upstream.Name))
            .Concat(config.VirtualModels.Select(vm => new ModelList.Model(vm.Name, "model", 0, VirtualOwner)))
            // An alias is owned by whoever owns what it names, so a client sees where its requests go.
            .Concat(config.ModelAliases.Select(a => new ModelList.Model(a.Key, "model", 0, _models.TryGetValue(a.Value, out var t) ? t.Upstream.Name : VirtualOwner)))
            .OrderBy(m => m.Id, StringComparer.Ordinal)
            .ToArray();
        _ordered = listed;
        _listed = listed.ToFrozenDictionary(m => m.Id, StringComparer.Ordinal);
    }

    /// <summary>
    /// The <c>GET /v1/models</c> body (provider models, virtual models and aliases), built once per config on
    /// first use: serializing it at load cost ~9% of the CPU to the first response at startup (issue #11).
    /// </summary>
    public byte[] ModelsJson
    {
        get
        {
            if (Volatile.Read(ref _modelsJson) is { } built) return built;
            var json = JsonSerializer.SerializeToUtf8Bytes(new ModelList("list", _ordered), OpenAIJsonContext.Wire.ModelList);
            // Two first callers may both build it: the same bytes, one kept.
            return Interlocked.CompareExchange(ref _modelsJson, json, null) ?? json;
        }
    }

    /// <summary>The <c>GET /v1/models/{id}</c> body of a listed model; null when it is not listed.</summary>
    public byte[]? ModelJson(string id) =>
        _listed.TryGetValue(id, out var model) ? JsonSerializer.SerializeToUtf8Bytes(model, OpenAIJsonContext.Wire.Model) : null;

    public IEnumerable<ModelTarget> All => _models.Values;

    /// <summary>The upstreams this snapshot sends to.</summary>
    public IReadOnlySet<Upstream> Upstreams => _upstreams;

    public bool TryGet(string name, out ModelTarget target) => _models.TryGetValue(name, out target!);
}
