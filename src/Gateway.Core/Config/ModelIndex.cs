namespace Gateway.Config;

/// <summary>The provider models (<c>provider/model</c>) and virtual model names known while validating routing.</summary>
internal sealed class ModelIndex
{
    private readonly Dictionary<string, ModelTypes> _models = new(StringComparer.Ordinal);
    private readonly HashSet<string> _virtual = new(StringComparer.Ordinal);

    public ModelIndex(IEnumerable<ProviderConfig> providers)
    {
        foreach (var p in providers)
        {
            foreach (var m in p.Models) _models[p.Name + "/" + m.Name] = m.Types;
        }
    }

    public bool Contains(string id) => _models.ContainsKey(id);

    public ModelTypes TypesOf(string id) => _models.TryGetValue(id, out var t) ? t : ModelTypes.None;

    public bool IsVirtual(string name) => _virtual.Contains(name);

    public bool AddVirtual(string name) => _virtual.Add(name);

    /// <summary>A few of the known ids, for error messages.</summary>
    public string Describe()
    {
        var ids = _models.Keys.Order(StringComparer.Ordinal).ToList();
        return ids.Count <= 8 ? string.Join(", ", ids) : string.Join(", ", ids.Take(8)) + $", ... ({ids.Count} in all)";
    }
}
