namespace Gateway.Config;

/// <summary>
/// Checks <c>model_aliases</c>: each a name clients already use (<c>gpt-4o-mini</c>) for a provider model or a
/// virtual model. An alias may not shadow a model of either kind, nor point at another alias (one lookup
/// resolves it).
/// </summary>
internal static class ModelAliasesReader
{
    public static IReadOnlyDictionary<string, string> Read(ConfigErrors errors, IReadOnlyDictionary<string, string>? aliases, ModelIndex models)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (aliases is null) return result;
        foreach (var (alias, target) in aliases)
        {
            var path = "model_aliases." + alias;
            if (!RoutingConfigReader.IsModelName(alias)) errors.AddAtKey(path, $"'{alias}' must be letters, digits, '-', '_', '.', ':' or '/'");
            else if (models.Contains(alias)) errors.AddAtKey(path, $"'{alias}' is already a provider model");
            else if (models.IsVirtual(alias)) errors.AddAtKey(path, $"'{alias}' is already a virtual model");
            else if (string.IsNullOrEmpty(target)) errors.Add(path, "required: a provider model or a virtual model");
            else if (!models.Contains(target) && !models.IsVirtual(target))
            {
                var hint = aliases.ContainsKey(target) ? " (an alias may not point at another alias)" : $"; known: {models.Describe()}";
                errors.Add(path, $"unknown model '{target}'{hint}");
            }
            else result[alias] = target;
        }
        return result;
    }
}
