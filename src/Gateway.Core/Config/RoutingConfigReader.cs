namespace Gateway.Config;

/// <summary>
/// Checks <c>virtual_models</c> and <c>routing</c> (rules and target health). Runs after the providers
/// are read, whatever the order in the file, so targets can be checked against them.
/// </summary>
internal static class RoutingConfigReader
{
    public static List<VirtualModelConfig> ReadVirtualModels(ConfigErrors errors, IReadOnlyList<ConfigFile.VirtualModel> virtualModels, ModelIndex models)
    {
        var result = new List<VirtualModelConfig>();
        for (var i = 0; i < virtualModels.Count; i++)
        {
            if (ReadVirtualModel(errors, $"virtual_models[{i}]", virtualModels[i], models) is { } vm) result.Add(vm);
        }
        return result;
    }

    private static VirtualModelConfig? ReadVirtualModel(ConfigErrors errors, string path, ConfigFile.VirtualModel vm, ModelIndex models)
    {
        var name = vm.Name;
        if (name is null) errors.Add(path + ".name", "required");
        else if (!IsModelName(name)) errors.Add(path + ".name", $"'{name}' must be letters, digits, '-', '_', '.', ':' or '/'");
        else if (models.Contains(name)) errors.Add(path + ".name", $"'{name}' is already a provider model");
        else if (!models.AddVirtual(name)) errors.Add(path + ".name", $"duplicate virtual model '{name}'");
        var types = vm.ModelTypes is null ? (ModelTypes?)null : ProvidersReader.ReadTypes(errors, vm.ModelTypes, path + ".model_types");
        var routingPath = path + ".routing_config";
        LoadBalancingConfig? routing = null;
        if (vm.RoutingConfig is { } r) routing = LoadBalancingReader.Read(errors, routingPath, r.Type, r.LoadBalanceTargets, models);
        else errors.Add(routingPath, "required");
        if (!errors.Clean(path) || name is null || routing is null) return null;
        // Every target must serve what the virtual model promises; by default it promises what all targets share.
        var shared = ModelTypes.Chat | ModelTypes.Completion | ModelTypes.Embedding;
        foreach (var t in routing.Targets) shared &= models.TypesOf(t.Target);
        if (types is { } declared)
        {
            // One message for all of them: a field gets one error (ConfigErrors).
            var lacking = routing.Targets
                .Select(t => (t.Target, Missing: declared & ~models.TypesOf(t.Target)))
                .Where(t => t.Missing != ModelTypes.None)
                .Select(t => $"target '{t.Target}' does not serve {t.Missing.ToString().ToLowerInvariant()}")
                .ToList();
            if (lacking.Count > 0) errors.Add(path + ".model_types", string.Join("; ", lacking));
        }
        else if (shared == ModelTypes.None)
        {
            errors.Add(routingPath + ".load_balance_targets", "the targets share no model type (chat, completion, embedding)");
        }
        return errors.Clean(path) ? new VirtualModelConfig { Name = name, Types = types ?? shared, Routing = routing } : null;
    }

    public static RoutingConfig ReadRouting(ConfigErrors errors, ConfigFile.RoutingSection section, ModelIndex models)
    {
        if (section.Type is { } type && type != "gateway-load-balancing-config")
        {
            errors.Add("routing.type", $"expected gateway-load-balancing-config, got '{type}'");
        }
        var rules = new List<RoutingRuleConfig>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (section.Rules?.Count ?? 0); i++)
        {
            var path = $"routing.rules[{i}]";
            var rule = ReadRule(errors, path, section.Rules![i], models);
            if (rule is null) continue;
            if (!ids.Add(rule.Id))
            {
                errors.Add(path + ".id", $"duplicate rule id '{rule.Id}'");
                continue;
            }
            rules.Add(rule);
        }
        var health = section.Health ?? HealthOptions.Default;
        health.Check(errors, "routing.health");
        return new RoutingConfig { Rules = rules, Health = health };
    }

    private static RoutingRuleConfig? ReadRule(ConfigErrors errors, string path, ConfigFile.Rule rule, ModelIndex models)
    {
        if (string.IsNullOrWhiteSpace(rule.Id)) errors.Add(path + ".id", "required (it shows up on spans as applied_loadbalance_rule_ids)");
        var when = rule.When is { } w ? ReadWhen(errors, path + ".when", w, models) : RuleCondition.Always;
        var routing = LoadBalancingReader.Read(errors, path, rule.Type, rule.LoadBalanceTargets, models);
        if (!errors.Clean(path) || routing is null) return null;
        return new RoutingRuleConfig { Id = rule.Id!, When = when, Routing = routing };
    }

    /// <summary>A rule's <c>when</c> (routing, rate limit and budget rules share the shape).</summary>
    public static RuleCondition ReadWhen(ConfigErrors errors, string path, ConfigFile.When when, ModelIndex models)
    {
        var subjects = errors.Valid(path + ".subjects", when.Subjects, s =>
        {
            var colon = s.IndexOf(':');
            return colon > 0 && s[..colon] is "user" or "team" or "virtualaccount" && colon < s.Length - 1
                ? null
                : $"'{s}' must be user:<slug>, team:<name> or virtualaccount:<slug>";
        });
        var modelNames = errors.Valid(path + ".models", when.Models, m =>
            models.Contains(m) || models.IsVirtual(m) ? null : $"unknown model '{m}' (expected a provider model or a virtual model)");
        return new RuleCondition { Subjects = subjects, Models = modelNames, Metadata = when.Metadata ?? new Dictionary<string, string>() };
    }

    internal static bool IsModelName(string s)
    {
        if (s.Length == 0 || s.Length > 128) return false;
        foreach (var c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '/')) return false;
        }
        return true;
    }
}
