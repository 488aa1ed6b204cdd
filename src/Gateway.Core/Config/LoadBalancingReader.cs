using YamlDotNet.RepresentationModel;

namespace Gateway.Config;

/// <summary>
/// Reads a strategy <c>type</c> and its <c>load_balance_targets</c> (shared by virtual models and
/// routing rules) and checks them against the provider models.
/// </summary>
internal static class LoadBalancingReader
{
    public const int MaxTargets = 16;

    private static readonly string[] s_targetFields =
        ["target", "weight", "priority", "sla_cutoff", "retry_config", "fallback_status_codes", "fallback_candidate", "override_params"];
    private static readonly string[] s_retryFields = ["attempts", "delay", "on_status_codes"];
    private static readonly string[] s_slaFields = ["time_per_output_token_ms", "time_to_first_token_ms"];

    /// <param name="owner">The node that holds the fields, for errors about missing ones.</param>
    public static LoadBalancingConfig? Read(YamlReader r, YamlNode owner, string path, YamlNode? typeNode, YamlNode? targetsNode, ModelIndex models)
    {
        var errorsBefore = r.Errors.Count;
        RoutingStrategy? strategy = null;
        if (typeNode is null)
        {
            r.Error(owner, path + ".type", "required: weight-based-routing, latency-based-routing or priority-based-routing");
        }
        else
        {
            strategy = r.String(typeNode, path + ".type") switch
            {
                "weight-based-routing" or "weight-based" => RoutingStrategy.Weight,
                "latency-based-routing" or "latency-based" => RoutingStrategy.Latency,
                "priority-based-routing" or "priority-based" => RoutingStrategy.Priority,
                var other => Unknown(other),
            };
            RoutingStrategy? Unknown(string? other)
            {
                if (other is not null) r.Error(typeNode, path + ".type", $"unknown routing type '{other}' (expected weight-based-routing, latency-based-routing or priority-based-routing)");
                return null;
            }
        }
        var targets = new List<LoadBalanceTargetConfig>();
        var targetsPath = path + ".load_balance_targets";
        if (targetsNode is null)
        {
            r.Error(owner, targetsPath, "required: at least one target");
        }
        else
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var weightsGiven = 0;
            foreach (var (item, p) in r.Items(targetsNode, targetsPath))
            {
                var target = ReadTarget(r, item, p, targets.Count, strategy, models, out var hasWeight);
                if (target is null) continue;
                if (!seen.Add(target.Target))
                {
                    r.Error(item, p + ".target", $"duplicate target '{target.Target}'");
                    continue;
                }
                if (hasWeight) weightsGiven++;
                targets.Add(target);
            }
            if (targetsNode is YamlSequenceNode { Children.Count: 0 }) r.Error(targetsNode, targetsPath, "at least one target is required");
            if (targets.Count > MaxTargets) r.Error(targetsNode, targetsPath, $"at most {MaxTargets} targets");
            if (strategy == RoutingStrategy.Weight && r.Errors.Count == errorsBefore)
            {
                var sum = targets.Sum(t => t.Weight);
                if (weightsGiven != targets.Count)
                {
                    r.Error(targetsNode, targetsPath, "weight-based routing needs a weight (0-100) on every target");
                }
                else if (sum != 100)
                {
                    r.Error(targetsNode, targetsPath, $"weights must sum to 100, got {sum}");
                }
            }
        }
        if (r.Errors.Count != errorsBefore || strategy is null) return null;
        return new LoadBalancingConfig { Strategy = strategy.Value, Targets = targets };
    }

    private static LoadBalanceTargetConfig? ReadTarget(YamlReader r, YamlNode node, string path, int index, RoutingStrategy? strategy, ModelIndex models, out bool hasWeight)
    {
        string? target = null;
        int? weight = null, priority = null;
        SlaCutoff? sla = null;
        var retry = RetryConfig.Default;
        var fallbackCodes = LoadBalanceTargetConfig.DefaultFallbackStatusCodes;
        var candidate = true;
        var overrides = new List<KeyValuePair<string, byte[]>>();
        YamlNode? targetNode = null;
        var errorsBefore = r.Errors.Count;
        r.Fields(node, path, s_targetFields, (key, value, p) =>
        {
            switch (key)
            {
                case "target": target = r.String(value, p); targetNode = value; break;
                case "weight": weight = r.Int(value, p, 0, 100); break;
                case "priority": priority = r.Int(value, p, 0, 1_000_000); break;
                case "sla_cutoff":
                    if (strategy is not null and not RoutingStrategy.Priority)
                    {
                        r.Error(value, p, "sla_cutoff applies to priority-based-routing only");
                        break;
                    }
                    sla = ReadSla(r, value, p);
                    break;
                case "retry_config": retry = ReadRetry(r, value, p); break;
                case "fallback_status_codes": fallbackCodes = ReadStatusCodes(r, value, p); break;
                case "fallback_candidate": candidate = r.Bool(value, p) ?? true; break;
                case "override_params": ReadOverrides(r, value, p, overrides); break;
            }
        });
        hasWeight = weight is not null;
        if (target is null)
        {
            if (targetNode is null) r.Error(node, path + ".target", "required: a provider model such as openai-main/gpt-4o");
        }
        else if (!models.Contains(target))
        {
            var hint = models.IsVirtual(target)
                ? "targets must be provider models, not virtual models"
                : $"expected one of: {models.Describe()}";
            r.Error(targetNode!, path + ".target", $"unknown target '{target}' ({hint})");
        }
        if (r.Errors.Count != errorsBefore || target is null) return null;
        return new LoadBalanceTargetConfig
        {
            Target = target,
            Weight = weight ?? 0,
            Priority = priority ?? index,
            SlaCutoff = sla,
            Retry = retry,
            FallbackStatusCodes = fallbackCodes,
            FallbackCandidate = candidate,
            OverrideParams = overrides,
        };
    }

    private static SlaCutoff? ReadSla(YamlReader r, YamlNode node, string path)
    {
        double? tpot = null, ttft = null;
        r.Fields(node, path, s_slaFields, (key, value, p) =>
        {
            if (key == "time_per_output_token_ms") tpot = r.Double(value, p, 0.001, 3_600_000);
            else ttft = r.Double(value, p, 0.001, 3_600_000);
        });
        if (tpot is null && ttft is null)
        {
            r.Error(node, path, "give time_per_output_token_ms, time_to_first_token_ms or both");
            return null;
        }
        return new SlaCutoff { TimePerOutputTokenMs = tpot, TimeToFirstTokenMs = ttft };
    }

    private static RetryConfig ReadRetry(YamlReader r, YamlNode node, string path)
    {
        var d = RetryConfig.Default;
        int attempts = d.Attempts, delay = d.DelayMs;
        var codes = d.OnStatusCodes;
        r.Fields(node, path, s_retryFields, (key, value, p) =>
        {
            switch (key)
            {
                case "attempts": attempts = r.Int(value, p, 0, 10) ?? attempts; break;
                case "delay": delay = r.Int(value, p, 0, 60_000) ?? delay; break;
                case "on_status_codes": codes = ReadStatusCodes(r, value, p); break;
            }
        });
        return new RetryConfig { Attempts = attempts, DelayMs = delay, OnStatusCodes = codes };
    }

    /// <summary>Status codes as numbers or strings (the reference writes them as "429").</summary>
    public static IReadOnlySet<int> ReadStatusCodes(YamlReader r, YamlNode node, string path)
    {
        var codes = new HashSet<int>();
        foreach (var (item, p) in r.Items(node, path))
        {
            if (r.Int(item, p, 100, 599) is int code) codes.Add(code);
        }
        return codes;
    }

    private static void ReadOverrides(YamlReader r, YamlNode node, string path, List<KeyValuePair<string, byte[]>> overrides)
    {
        if (node is not YamlMappingNode map)
        {
            r.Error(node, path, "expected a mapping of request fields to values");
            return;
        }
        foreach (var (k, v) in map.Children)
        {
            var name = (k as YamlScalarNode)?.Value ?? "";
            var p = path + "." + name;
            if (name is "model" or "stream")
            {
                // The model is the target's; flipping stream would change the response shape the gateway expects.
                r.Error(k, p, $"'{name}' cannot be overridden");
                continue;
            }
            if (name.Length == 0)
            {
                r.Error(k, p, "field name must not be empty");
                continue;
            }
            var json = YamlJson.ToJson(r, v, p);
            if (json is not null) overrides.Add(new(name, json));
        }
    }
}
