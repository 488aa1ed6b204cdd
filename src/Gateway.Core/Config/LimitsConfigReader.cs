namespace Gateway.Config;

/// <summary>Checks <c>rate_limiting</c> and <c>budget_limiting</c> (docs/limits.md); runs after the providers, so <c>when.models</c> can be checked.</summary>
internal static class LimitsConfigReader
{
    /// <summary>
    /// Bucket arithmetic runs in units of ms × limit (Limits/TokenBucket.cs); a billion keeps a day's
    /// window far from overflow and is more tokens per day than any provider grants.
    /// </summary>
    public const long MaxLimit = 1_000_000_000;

    public static RateLimitingConfig ReadRateLimiting(ConfigErrors errors, ConfigFile.RateLimitingSection section, ModelIndex models)
    {
        if (section.Type is { } type && type != "gateway-rate-limiting-config")
        {
            errors.Add("rate_limiting.type", $"expected gateway-rate-limiting-config, got '{type}'");
        }
        errors.Range("rate_limiting.token_estimate", section.TokenEstimate, 1, MaxLimit);
        var rules = new List<RateLimitRuleConfig>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (section.Rules?.Count ?? 0); i++)
        {
            var path = $"rate_limiting.rules[{i}]";
            var rule = section.Rules![i];
            CheckId(errors, path, rule.Id, ids, "applied_ratelimit_rule_ids");
            var when = rule.When is { } w ? RoutingConfigReader.ReadWhen(errors, path + ".when", w, models) : RuleCondition.Always;
            if (rule.LimitTo is not { } limit) errors.Add(path + ".limit_to", "required: the requests or tokens allowed per period");
            else errors.Range(path + ".limit_to", limit, 1, MaxLimit);
            if (rule.Unit is null && !errors.Given(path + ".unit")) errors.Add(path + ".unit", "required: requests_per_minute, requests_per_hour, requests_per_day, tokens_per_minute, tokens_per_hour or tokens_per_day");
            var per = AppliesPer(errors, path + ".rate_limit_applies_per", rule.RateLimitAppliesPer, max: 2);
            if (!errors.Clean(path)) continue;
            rules.Add(new RateLimitRuleConfig { Id = rule.Id!, When = when, LimitTo = rule.LimitTo!.Value, Unit = rule.Unit!.Value, AppliesPer = per });
        }
        return new RateLimitingConfig { Rules = rules, TokenEstimate = section.TokenEstimate };
    }

    public static BudgetLimitingConfig ReadBudgets(ConfigErrors errors, ConfigFile.BudgetLimitingSection section, ModelIndex models)
    {
        if (section.Type is { } type && type != "gateway-budget-config")
        {
            errors.Add("budget_limiting.type", $"expected gateway-budget-config, got '{type}'");
        }
        errors.Range("budget_limiting.output_token_estimate", section.OutputTokenEstimate, 1, MaxLimit);
        var rules = new List<BudgetRuleConfig>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (section.Rules?.Count ?? 0); i++)
        {
            var path = $"budget_limiting.rules[{i}]";
            var rule = section.Rules![i];
            CheckId(errors, path, rule.Id, ids, "applied_budget_rule_ids");
            var when = rule.When is { } w ? RoutingConfigReader.ReadWhen(errors, path + ".when", w, models) : RuleCondition.Always;
            if (rule.LimitTo is not { } limit) errors.Add(path + ".limit_to", "required: USD per period");
            else if (limit is <= 0 or > 1e9) errors.Add(path + ".limit_to", $"must be more than 0 and at most 1000000000 USD, got {limit}");
            if (rule.Unit is null && !errors.Given(path + ".unit")) errors.Add(path + ".unit", "required: cost_per_day, cost_per_week or cost_per_month");
            var per = AppliesPer(errors, path + ".budget_applies_per", rule.BudgetAppliesPer, max: 1);
            var thresholds = Thresholds(errors, path + ".alerts.thresholds", rule.Alerts?.Thresholds);
            var targets = AlertTargets(errors, path + ".alerts.notification_target", rule.Alerts?.NotificationTarget);
            if (!errors.Clean(path)) continue;
            rules.Add(new BudgetRuleConfig
            {
                Id = rule.Id!,
                Unit = rule.Unit!.Value,
                When = when,
                LimitUsd = rule.LimitTo!.Value,
                AuditMode = rule.AuditMode,
                AppliesPer = per,
                AlertThresholds = thresholds,
                AlertTargets = targets,
            });
        }
        return new BudgetLimitingConfig { Rules = rules, OutputTokenEstimate = section.OutputTokenEstimate };
    }

    private static void CheckId(ConfigErrors errors, string path, string? id, HashSet<string> ids, string attribute)
    {
        if (string.IsNullOrWhiteSpace(id)) errors.Add(path + ".id", $"required (it shows up on spans as {attribute})");
        else if (!ids.Add(id)) errors.Add(path + ".id", $"duplicate rule id '{id}'");
    }

    private static List<string> AppliesPer(ConfigErrors errors, string path, IReadOnlyList<string>? values, int max)
    {
        if (values is null) return [];
        if (values.Count > max) errors.Add(path, max == 1 ? "at most one value" : $"at most {max} values");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return errors.Valid(path, values, v =>
            v is not ("user" or "model" or "virtualaccount" or "team") && !(v.StartsWith("metadata.", StringComparison.Ordinal) && v.Length > "metadata.".Length)
                ? $"'{v}' must be user, model, virtualaccount, team or metadata.<key>"
                : !seen.Add(v) ? $"duplicate '{v}'" : null);
    }

    private static List<int> Thresholds(ConfigErrors errors, string path, IReadOnlyList<int>? values)
    {
        var result = new List<int>();
        for (var i = 0; i < (values?.Count ?? 0); i++)
        {
            var t = values![i];
            if (t is < 1 or > 100) errors.Add($"{path}[{i}]", $"must be between 1 and 100 (percent of limit_to), got {t}");
            else if (result.Count > 0 && t <= result[^1]) errors.Add($"{path}[{i}]", "thresholds must be ascending");
            else result.Add(t);
        }
        return result;
    }

    private static List<AlertTargetConfig> AlertTargets(ConfigErrors errors, string path, IReadOnlyList<ConfigFile.NotificationTarget>? targets)
    {
        var result = new List<AlertTargetConfig>();
        for (var i = 0; i < (targets?.Count ?? 0); i++)
        {
            var p = $"{path}[{i}]";
            var t = targets![i];
            switch (t.Type)
            {
                case "log":
                    result.Add(new AlertTargetConfig("log", null, new Dictionary<string, string>()));
                    break;
                case "webhook" when Uri.TryCreate(t.Url, UriKind.Absolute, out var url) && url.Scheme is "http" or "https":
                    result.Add(new AlertTargetConfig("webhook", t.Url, t.Headers ?? new Dictionary<string, string>()));
                    break;
                case "webhook":
                    errors.Add(p + ".url", t.Url is null ? "required for a webhook: an http(s) URL" : $"'{t.Url}' is not an http(s) URL");
                    break;
                default:
                    errors.Add(p + ".type", t.Type is null ? "required: log or webhook" : $"unknown target type '{t.Type}' (expected log or webhook)");
                    break;
            }
        }
        return result;
    }
}
