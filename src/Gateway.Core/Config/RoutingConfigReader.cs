using YamlDotNet.RepresentationModel;

namespace Gateway.Config;

/// <summary>
/// Reads <c>virtual_models</c> and <c>routing</c> (rules and target health). Runs after the providers
/// are read, whatever the order in the file, so targets can be checked against them.
/// </summary>
internal static class RoutingConfigReader
{
    private static readonly string[] s_virtualModelFields = ["name", "model_types", "routing_config"];
    private static readonly string[] s_routingConfigFields = ["type", "load_balance_targets"];
    private static readonly string[] s_routingFields = ["name", "type", "rules", "health"];
    private static readonly string[] s_ruleFields = ["id", "type", "when", "load_balance_targets"];
    private static readonly string[] s_whenFields = ["subjects", "models", "metadata"];
    private static readonly string[] s_healthFields = ["failure_threshold", "cooldown_ms"];

    public static List<VirtualModelConfig> ReadVirtualModels(YamlReader r, YamlNode node, string path, ModelIndex models)
    {
        var result = new List<VirtualModelConfig>();
        foreach (var (item, p) in r.Items(node, path))
        {
            var vm = ReadVirtualModel(r, item, p, models);
            if (vm is not null) result.Add(vm);
        }
        return result;
    }

    private static VirtualModelConfig? ReadVirtualModel(YamlReader r, YamlNode node, string path, ModelIndex models)
    {
        string? name = null;
        ModelTypes? types = null;
        YamlNode? nameNode = null, routingNode = null, typesNode = null;
        var errorsBefore = r.Errors.Count;
        r.Fields(node, path, s_virtualModelFields, (key, value, p) =>
        {
            switch (key)
            {
                case "name": name = r.String(value, p); nameNode = value; break;
                case "model_types": types = ReadTypes(r, value, p); typesNode = value; break;
                case "routing_config": routingNode = value; break;
            }
        });
        if (name is null)
        {
            if (nameNode is null) r.Error(node, path + ".name", "required");
        }
        else if (!IsModelName(name))
        {
            r.Error(nameNode!, path + ".name", $"'{name}' must be letters, digits, '-', '_', '.', ':' or '/'");
        }
        else if (models.Contains(name))
        {
            r.Error(nameNode!, path + ".name", $"'{name}' is already a provider model");
        }
        else if (!models.AddVirtual(name))
        {
            r.Error(nameNode!, path + ".name", $"duplicate virtual model '{name}'");
        }
        LoadBalancingConfig? routing = null;
        if (routingNode is null)
        {
            r.Error(node, path + ".routing_config", "required");
        }
        else
        {
            YamlNode? typeNode = null, targetsNode = null;
            var rp = path + ".routing_config";
            r.Fields(routingNode, rp, s_routingConfigFields, (key, value, _) =>
            {
                if (key == "type") typeNode = value;
                else targetsNode = value;
            });
            if (routingNode is YamlMappingNode) routing = LoadBalancingReader.Read(r, routingNode, rp, typeNode, targetsNode, models);
        }
        if (r.Errors.Count != errorsBefore || name is null || routing is null) return null;
        // Every target must serve what the virtual model promises; by default it promises what all targets share.
        var shared = ModelTypes.Chat | ModelTypes.Completion | ModelTypes.Embedding;
        foreach (var t in routing.Targets) shared &= models.TypesOf(t.Target);
        if (types is { } declared)
        {
            foreach (var t in routing.Targets)
            {
                var missing = declared & ~models.TypesOf(t.Target);
                if (missing != ModelTypes.None)
                {
                    r.Error(typesNode!, path + ".model_types", $"target '{t.Target}' does not serve {missing.ToString().ToLowerInvariant()}");
                }
            }
        }
        else if (shared == ModelTypes.None)
        {
            r.Error(routingNode!, path + ".routing_config.load_balance_targets", "the targets share no model type (chat, completion, embedding)");
        }
        if (r.Errors.Count != errorsBefore) return null;
        return new VirtualModelConfig { Name = name, Types = types ?? shared, Routing = routing };
    }

    public static RoutingConfig ReadRouting(YamlReader r, YamlNode node, string path, ModelIndex models)
    {
        var rules = new List<RoutingRuleConfig>();
        var health = HealthOptions.Default;
        r.Fields(node, path, s_routingFields, (key, value, p) =>
        {
            switch (key)
            {
                case "name": r.String(value, p); break;
                case "type":
                    if (r.String(value, p) is { } t && t != "gateway-load-balancing-config")
                    {
                        r.Error(value, p, $"expected gateway-load-balancing-config, got '{t}'");
                    }
                    break;
                case "rules":
                    var ids = new HashSet<string>(StringComparer.Ordinal);
                    foreach (var (item, ip) in r.Items(value, p))
                    {
                        var rule = ReadRule(r, item, ip, models);
                        if (rule is null) continue;
                        if (!ids.Add(rule.Id))
                        {
                            r.Error(item, ip + ".id", $"duplicate rule id '{rule.Id}'");
                            continue;
                        }
                        rules.Add(rule);
                    }
                    break;
                case "health": health = ReadHealth(r, value, p); break;
            }
        });
        return new RoutingConfig { Rules = rules, Health = health };
    }

    private static RoutingRuleConfig? ReadRule(YamlReader r, YamlNode node, string path, ModelIndex models)
    {
        string? id = null;
        var when = RuleCondition.Always;
        YamlNode? typeNode = null, targetsNode = null, idNode = null;
        var errorsBefore = r.Errors.Count;
        r.Fields(node, path, s_ruleFields, (key, value, p) =>
        {
            switch (key)
            {
                case "id": id = r.String(value, p); idNode = value; break;
                case "type": typeNode = value; break;
                case "when": when = ReadWhen(r, value, p, models); break;
                case "load_balance_targets": targetsNode = value; break;
            }
        });
        if (string.IsNullOrWhiteSpace(id))
        {
            r.Error(idNode ?? node, path + ".id", "required (it shows up on spans as applied_loadbalance_rule_ids)");
        }
        if (node is not YamlMappingNode) return null;
        var routing = LoadBalancingReader.Read(r, node, path, typeNode, targetsNode, models);
        if (r.Errors.Count != errorsBefore || id is null || routing is null) return null;
        return new RoutingRuleConfig { Id = id, When = when, Routing = routing };
    }

    private static RuleCondition ReadWhen(YamlReader r, YamlNode node, string path, ModelIndex models)
    {
        var subjects = new List<string>();
        var modelNames = new List<string>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        r.Fields(node, path, s_whenFields, (key, value, p) =>
        {
            switch (key)
            {
                case "subjects":
                    foreach (var (item, ip) in r.Items(value, p))
                    {
                        var s = r.String(item, ip);
                        if (s is null) continue;
                        var colon = s.IndexOf(':');
                        var type = colon > 0 ? s[..colon] : "";
                        if (type is not ("user" or "team" or "virtualaccount") || colon == s.Length - 1)
                        {
                            r.Error(item, ip, $"'{s}' must be user:<slug>, team:<name> or virtualaccount:<slug>");
                            continue;
                        }
                        subjects.Add(s);
                    }
                    break;
                case "models":
                    foreach (var (item, ip) in r.Items(value, p))
                    {
                        var m = r.String(item, ip);
                        if (m is null) continue;
                        if (!models.Contains(m) && !models.IsVirtual(m))
                        {
                            r.Error(item, ip, $"unknown model '{m}' (expected a provider model or a virtual model)");
                            continue;
                        }
                        modelNames.Add(m);
                    }
                    break;
                case "metadata":
                    if (value is not YamlMappingNode map)
                    {
                        r.Error(value, p, "expected a mapping of metadata keys to values");
                        break;
                    }
                    foreach (var (k, v) in map.Children)
                    {
                        var mk = (k as YamlScalarNode)?.Value ?? "";
                        var mv = r.String(v, p + "." + mk);
                        if (mv is not null) metadata[mk] = mv;
                    }
                    break;
            }
        });
        return new RuleCondition { Subjects = subjects, Models = modelNames, Metadata = metadata };
    }

    private static HealthOptions ReadHealth(YamlReader r, YamlNode node, string path)
    {
        var d = HealthOptions.Default;
        int threshold = d.FailureThreshold, cooldown = d.CooldownMs;
        r.Fields(node, path, s_healthFields, (key, value, p) =>
        {
            if (key == "failure_threshold") threshold = r.Int(value, p, 1, 1000) ?? threshold;
            else cooldown = r.Int(value, p, 1, 3_600_000) ?? cooldown;
        });
        return new HealthOptions { FailureThreshold = threshold, CooldownMs = cooldown };
    }

    private static ModelTypes ReadTypes(YamlReader r, YamlNode node, string path)
    {
        var t = ModelTypes.None;
        foreach (var (item, ip) in r.Items(node, path))
        {
            switch (r.String(item, ip))
            {
                case "chat": t |= ModelTypes.Chat; break;
                case "completion": t |= ModelTypes.Completion; break;
                case "embedding": t |= ModelTypes.Embedding; break;
                case var other: r.Error(item, ip, $"unknown model type '{other}' (expected chat, completion or embedding)"); break;
            }
        }
        return t;
    }

    private static bool IsModelName(string s)
    {
        if (s.Length == 0 || s.Length > 128) return false;
        foreach (var c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '/')) return false;
        }
        return true;
    }
}
