namespace Gateway.Config;

/// <summary>Checks <c>guardrails</c> (docs/guardrails.md); runs after the providers, so models and moderation providers can be checked.</summary>
internal static class GuardrailsConfigReader
{
    /// <summary>Far above any prompt a model takes; keeps a typo (an extra zero) from reading as "no limit".</summary>
    private const int MaxLengthLimit = 100_000_000;

    public static GuardrailsConfig Read(ConfigErrors errors, ConfigFile.GuardrailsSection section, ModelIndex models, IReadOnlyList<ProviderConfig> providers)
    {
        if (section.Type is { } type && type != "gateway-guardrails-config")
        {
            errors.Add("guardrails.type", $"expected gateway-guardrails-config, got '{type}'");
        }
        var configs = new Dictionary<string, GuardrailConfig>(StringComparer.Ordinal);
        for (var i = 0; i < (section.Configs?.Count ?? 0); i++)
        {
            var path = $"guardrails.configs[{i}]";
            var config = section.Configs![i];
            CheckConfig(errors, path, config, providers);
            if (config.Name is { Length: > 0 } name && !configs.TryAdd(name, config)) errors.Add(path + ".name", $"duplicate guardrail name '{name}'");
        }
        var rules = new List<GuardrailRuleConfig>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (section.Rules?.Count ?? 0); i++)
        {
            var path = $"guardrails.rules[{i}]";
            var rule = section.Rules![i];
            if (string.IsNullOrWhiteSpace(rule.Id)) errors.Add(path + ".id", "required: it names the rule in logs and docs");
            else if (!ids.Add(rule.Id)) errors.Add(path + ".id", $"duplicate rule id '{rule.Id}'");
            var w = rule.When;
            var when = w is null ? RuleCondition.Always : RoutingConfigReader.ReadWhen(errors, path + ".when", new ConfigFile.When(w.Subjects, w.Models, w.Metadata), models);
            var servers = errors.Valid(path + ".when.mcp_servers", w?.McpServers, s =>
                s.Length == 0 || s.StartsWith(':') || s.EndsWith(':') || s.Count(c => c == ':') > 1 ? $"'{s}' must be <server> or <server>:<tool>" : null);
            var input = Names(errors, path + ".llm_input_guardrails", rule.LlmInputGuardrails, configs);
            var output = Names(errors, path + ".llm_output_guardrails", rule.LlmOutputGuardrails, configs);
            var pre = Names(errors, path + ".mcp_tool_pre_invoke_guardrails", rule.McpToolPreInvokeGuardrails, configs);
            var post = Names(errors, path + ".mcp_tool_post_invoke_guardrails", rule.McpToolPostInvokeGuardrails, configs);
            if (!errors.Clean(path)) continue;
            rules.Add(new GuardrailRuleConfig { Id = rule.Id!, When = when, McpServers = servers, LlmInput = input, LlmOutput = output, McpToolPreInvoke = pre, McpToolPostInvoke = post });
        }
        return new GuardrailsConfig { Configs = configs, Rules = rules };
    }

    private static List<string> Names(ConfigErrors errors, string path, IReadOnlyList<string>? names, Dictionary<string, GuardrailConfig> configs) =>
        errors.Valid(path, names, n =>
            !configs.ContainsKey(n) ? $"unknown guardrail '{n}' (expected a name from guardrails.configs)" : null);

    private static void CheckConfig(ConfigErrors errors, string path, GuardrailConfig c, IReadOnlyList<ProviderConfig> providers)
    {
        if (string.IsNullOrWhiteSpace(c.Name)) errors.Add(path + ".name", "required: rules list guardrails by name");
        if (c.Type is not { } kind)
        {
            if (!errors.Given(path + ".type")) errors.Add(path + ".type", "required: pii, deny_list, max_length, prompt_injection, webhook or moderation");
            return;
        }
        if (c.StreamMode == GuardrailStreamMode.Hold && (c.Operation != GuardrailOperation.Validate || c.EnforcingStrategy == EnforcingStrategy.Audit))
        {
            errors.Add(path + ".stream_mode", "hold applies only to operation validate with enforcing_strategy enforce or enforce_but_ignore_on_error");
        }
        errors.Range(path + ".timeout_ms", c.TimeoutMs, 10, 120_000);
        switch (kind)
        {
            case GuardrailKind.DenyList:
                if ((c.Keywords?.Count ?? 0) + (c.Patterns?.Count ?? 0) == 0) errors.Add(path + ".keywords", "required: keywords or patterns (at least one)");
                errors.Valid(path + ".keywords", c.Keywords, k => string.IsNullOrWhiteSpace(k) ? "must not be empty" : null);
                errors.Valid(path + ".patterns", c.Patterns, p => PatternError(p, c.CaseSensitive));
                if (c.Operation == GuardrailOperation.Mutate) errors.Add(path + ".operation", "a deny list only validates (a match is not redacted: use pii or a webhook to rewrite)");
                break;
            case GuardrailKind.MaxLength:
                if (c.MaxChars is null && c.MaxTokens is null) errors.Add(path + ".max_chars", "required: max_chars or max_tokens");
                if (c.MaxChars is { } chars) errors.Range(path + ".max_chars", chars, 1, MaxLengthLimit);
                if (c.MaxTokens is { } tokens) errors.Range(path + ".max_tokens", tokens, 1, MaxLengthLimit);
                if (c.Operation == GuardrailOperation.Mutate) errors.Add(path + ".operation", "max_length only validates");
                break;
            case GuardrailKind.PromptInjection:
                errors.Range(path + ".threshold", c.Threshold, 0.01, 100);
                if (c.Operation == GuardrailOperation.Mutate) errors.Add(path + ".operation", "prompt_injection only validates");
                break;
            case GuardrailKind.Webhook:
                if (!Uri.TryCreate(c.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                {
                    errors.Add(path + ".url", c.Url is null ? "required for a webhook: an http(s) URL" : $"'{c.Url}' is not an http(s) URL");
                }
                break;
            case GuardrailKind.Moderation:
                if (c.Provider is null) errors.Add(path + ".provider", "required: the provider whose /moderations answers");
                else if (!providers.Any(p => p.Name == c.Provider && p.Kind == ProviderKind.OpenAI))
                {
                    errors.Add(path + ".provider", $"'{c.Provider}' is not a configured provider of type openai");
                }
                errors.Range(path + ".threshold", c.Threshold, 0, 1);
                if (c.Operation == GuardrailOperation.Mutate) errors.Add(path + ".operation", "moderation only validates");
                break;
        }
    }

    private static string? PatternError(string pattern, bool caseSensitive)
    {
        try
        {
            _ = Guardrails.DenyListPatterns.Compile(pattern, caseSensitive);
            return null;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return $"not a valid regular expression: {e.Message}";
        }
    }
}
