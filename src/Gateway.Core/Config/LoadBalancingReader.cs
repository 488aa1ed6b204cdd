using System.Text;
using System.Text.Json;

namespace Gateway.Config;

/// <summary>
/// Checks a strategy <c>type</c> and its <c>load_balance_targets</c> (shared by virtual models and
/// routing rules) against the provider models.
/// </summary>
internal static class LoadBalancingReader
{
    public const int MaxTargets = 16;

    /// <param name="path">The mapping that holds <c>type</c> and <c>load_balance_targets</c>.</param>
    public static LoadBalancingConfig? Read(ConfigErrors errors, string path, string? type, IReadOnlyList<ConfigFile.LoadBalanceTarget>? targets, ModelIndex models)
    {
        RoutingStrategy? strategy = type switch
        {
            "weight-based-routing" or "weight-based" => RoutingStrategy.Weight,
            "latency-based-routing" or "latency-based" => RoutingStrategy.Latency,
            "priority-based-routing" or "priority-based" => RoutingStrategy.Priority,
            _ => null,
        };
        if (strategy is null)
        {
            errors.Add(path + ".type", type is null
                ? "required: weight-based-routing, latency-based-routing or priority-based-routing"
                : $"unknown routing type '{type}' (expected weight-based-routing, latency-based-routing or priority-based-routing)");
        }
        var targetsPath = path + ".load_balance_targets";
        if (targets is null)
        {
            errors.Add(targetsPath, "required: at least one target");
            return null;
        }
        var result = new List<LoadBalanceTargetConfig>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < targets.Count; i++)
        {
            var p = $"{targetsPath}[{i}]";
            var target = ReadTarget(errors, p, targets[i], i, strategy, models);
            if (target is null) continue;
            if (!seen.Add(target.Target))
            {
                errors.Add(p + ".target", $"duplicate target '{target.Target}'");
                continue;
            }
            result.Add(target);
        }
        if (targets.Count == 0) errors.Add(targetsPath, "at least one target is required");
        if (targets.Count > MaxTargets) errors.Add(targetsPath, $"at most {MaxTargets} targets");
        if (strategy == RoutingStrategy.Weight && errors.Clean(path))
        {
            if (targets.Any(t => t.Weight is null)) errors.Add(targetsPath, "weight-based routing needs a weight (0-100) on every target");
            else if (result.Sum(t => t.Weight) is var sum && sum != 100) errors.Add(targetsPath, $"weights must sum to 100, got {sum}");
        }
        return strategy is null || !errors.Clean(path) ? null : new LoadBalancingConfig { Strategy = strategy.Value, Targets = result };
    }

    private static LoadBalanceTargetConfig? ReadTarget(ConfigErrors errors, string path, ConfigFile.LoadBalanceTarget t, int index, RoutingStrategy? strategy, ModelIndex models)
    {
        if (t.Target is null)
        {
            errors.Add(path + ".target", "required: a provider model such as openai-main/gpt-4o");
        }
        else if (!models.Contains(t.Target))
        {
            var hint = models.IsVirtual(t.Target) ? "targets must be provider models, not virtual models" : $"expected one of: {models.Describe()}";
            errors.Add(path + ".target", $"unknown target '{t.Target}' ({hint})");
        }
        if (t.Weight is { } weight) errors.Range(path + ".weight", weight, 0, 100);
        if (t.Priority is { } priority) errors.Range(path + ".priority", priority, 0, 1_000_000);
        if (t.SlaCutoff is { } sla) CheckSla(errors, path + ".sla_cutoff", sla, strategy);
        var retry = ReadRetry(errors, path + ".retry_config", t.RetryConfig);
        var fallback = t.FallbackStatusCodes is { } codes ? StatusCodes(errors, path + ".fallback_status_codes", codes) : LoadBalanceTargetConfig.DefaultFallbackStatusCodes;
        var overrides = ReadOverrides(errors, path + ".override_params", t.OverrideParams);
        if (!errors.Clean(path)) return null;
        return new LoadBalanceTargetConfig
        {
            Target = t.Target!,
            Weight = t.Weight ?? 0,
            Priority = t.Priority ?? index,
            SlaCutoff = t.SlaCutoff,
            Retry = retry,
            FallbackStatusCodes = fallback,
            FallbackCandidate = t.FallbackCandidate,
            OverrideParams = overrides,
        };
    }

    private static void CheckSla(ConfigErrors errors, string path, SlaCutoff sla, RoutingStrategy? strategy)
    {
        if (strategy is not null and not RoutingStrategy.Priority)
        {
            errors.Add(path, "sla_cutoff applies to priority-based-routing only");
            return;
        }
        if (sla.TimePerOutputTokenMs is { } tpot) errors.Range(path + ".time_per_output_token_ms", tpot, 0.001, 3_600_000);
        if (sla.TimeToFirstTokenMs is { } ttft) errors.Range(path + ".time_to_first_token_ms", ttft, 0.001, 3_600_000);
        if (sla.TimePerOutputTokenMs is null && sla.TimeToFirstTokenMs is null && errors.Clean(path))
        {
            errors.Add(path, "give time_per_output_token_ms, time_to_first_token_ms or both");
        }
    }

    private static RetryConfig ReadRetry(ConfigErrors errors, string path, ConfigFile.Retry? retry)
    {
        var d = RetryConfig.Default;
        if (retry is null) return d;
        if (retry.Attempts is { } attempts) errors.Range(path + ".attempts", attempts, 0, 10);
        if (retry.Delay is { } delay) errors.Range(path + ".delay", delay, 0, 60_000);
        return new RetryConfig
        {
            Attempts = retry.Attempts ?? d.Attempts,
            DelayMs = retry.Delay ?? d.DelayMs,
            OnStatusCodes = retry.OnStatusCodes is { } codes ? StatusCodes(errors, path + ".on_status_codes", codes) : d.OnStatusCodes,
        };
    }

    /// <summary>Status codes as numbers or strings (the reference writes them as "429").</summary>
    private static HashSet<int> StatusCodes(ConfigErrors errors, string path, IReadOnlyList<int> codes)
    {
        for (var i = 0; i < codes.Count; i++) errors.Range($"{path}[{i}]", codes[i], 100, 599);
        return codes.ToHashSet();
    }

    private static List<KeyValuePair<string, byte[]>> ReadOverrides(ConfigErrors errors, string path, IReadOnlyDictionary<string, JsonElement>? fields)
    {
        var overrides = new List<KeyValuePair<string, byte[]>>();
        foreach (var (name, value) in fields ?? new Dictionary<string, JsonElement>())
        {
            if (name is "model" or "stream")
            {
                // The model is the target's; flipping stream would change the response shape the gateway expects.
                errors.AddAtKey($"{path}.{name}", $"'{name}' cannot be overridden");
            }
            else if (name.Length == 0)
            {
                errors.AddAtKey($"{path}.{name}", "field name must not be empty");
            }
            else
            {
                overrides.Add(new(name, Encoding.UTF8.GetBytes(value.GetRawText())));
            }
        }
        return overrides;
    }
}
