namespace Gateway.Config;

/// <summary>Checks <c>providers</c> and resolves each model's upstream name, types and prices.</summary>
internal static class ProvidersReader
{
    public static List<ProviderConfig> Read(ConfigErrors errors, IReadOnlyList<ConfigFile.Provider> providers)
    {
        var result = new List<ProviderConfig>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < providers.Count; i++)
        {
            var path = $"providers[{i}]";
            var provider = Read(errors, providers[i], path);
            if (provider is null) continue;
            if (!names.Add(provider.Name))
            {
                errors.Add(path + ".name", $"duplicate provider name '{provider.Name}'");
                continue;
            }
            result.Add(provider);
        }
        return result;
    }

    private static ProviderConfig? Read(ConfigErrors errors, ConfigFile.Provider p, string path)
    {
        if (p.Name is null)
        {
            errors.Add(path + ".name", "required");
        }
        else if (!IsSlug(p.Name))
        {
            errors.Add(path + ".name", $"'{p.Name}' must be lowercase letters, digits, '-' or '_'");
        }
        ProviderKind? kind = p.Type switch
        {
            "openai" or "openai-compatible" => ProviderKind.OpenAI,
            "mock" => ProviderKind.Mock,
            "anthropic" => ProviderKind.Anthropic,
            "azure-openai" => ProviderKind.AzureOpenAI,
            _ => null,
        };
        const string Kinds = "openai, anthropic, azure-openai or mock";
        if (kind is null) errors.Add(path + ".type", p.Type is null ? $"required ({Kinds})" : $"unknown provider type '{p.Type}' (expected {Kinds})");
        // Anthropic's API has one address; the others are wherever the account or server is.
        if (kind is ProviderKind.OpenAI or ProviderKind.AzureOpenAI && p.BaseUrl is null)
        {
            errors.Add(path + ".base_url", $"required for an {p.Type} provider");
        }
        else if (kind is not ProviderKind.Mock && p.BaseUrl is not null && (!Uri.TryCreate(p.BaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            errors.Add(path + ".base_url", $"'{p.BaseUrl}' is not an absolute http(s) URL");
        }
        if (kind is ProviderKind.AzureOpenAI && string.IsNullOrEmpty(p.ApiVersion)) errors.Add(path + ".api_version", "required for an azure-openai provider (e.g. 2024-10-21)");
        if (p.ApiVersion is not null && kind is not (ProviderKind.AzureOpenAI or ProviderKind.Anthropic)) errors.Add(path + ".api_version", "only anthropic and azure-openai providers take an api_version");
        errors.Range(path + ".token_delay_ms", p.TokenDelayMs, 0, 60_000);
        errors.Range(path + ".connect_timeout_ms", p.ConnectTimeoutMs, 1, 600_000);
        var defaultTypes = kind == ProviderKind.Mock ? ModelTypes.Chat | ModelTypes.Completion | ModelTypes.Embedding | ModelTypes.Rerank : ModelTypes.Chat;
        var models = new List<ModelConfig>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (p.Models?.Count ?? 0); i++)
        {
            var model = ReadModel(errors, p.Models![i], $"{path}.models[{i}]", defaultTypes);
            if (model is null) continue;
            // The Messages API is chat only: a completion or embedding request could not be translated.
            if (kind == ProviderKind.Anthropic && (model.Types & ~ModelTypes.Chat) != 0)
            {
                errors.Add($"{path}.models[{i}].types", "an anthropic model serves chat only");
                continue;
            }
            if (!seen.Add(model.Name))
            {
                errors.Add($"{path}.models[{i}]", $"duplicate model name '{model.Name}'");
                continue;
            }
            models.Add(model);
        }
        if (p.Models is null) errors.Add(path + ".models", "required: at least one model");
        else if (models.Count == 0 && errors.Clean(path)) errors.Add(path + ".models", "at least one model is required");
        if (kind is null || !errors.Clean(path)) return null;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in p.Headers ?? new Dictionary<string, string>()) headers[name] = value;
        return new ProviderConfig
        {
            Name = p.Name!,
            Kind = kind.Value,
            BaseUrl = p.BaseUrl?.TrimEnd('/'),
            ApiKey = string.IsNullOrEmpty(p.ApiKey) ? null : p.ApiKey,
            ApiVersion = p.ApiVersion,
            Headers = headers,
            TokenDelayMs = p.TokenDelayMs,
            ConnectTimeoutMs = p.ConnectTimeoutMs,
            Models = models,
        };
    }

    private static ModelConfig? ReadModel(ConfigErrors errors, ConfigFile.Model m, string path, ModelTypes defaultTypes)
    {
        if (string.IsNullOrWhiteSpace(m.Name))
        {
            errors.Add(path + ".name", "required");
            return null;
        }
        var types = m.Types is null ? (ModelTypes?)null : ReadTypes(errors, m.Types, path + ".types");
        var input = m.Price?.InputPerMillionTokens;
        var output = m.Price?.OutputPerMillionTokens;
        if (input is { } i) errors.Range(path + ".price.input_per_million_tokens", i, 0, 1_000_000);
        if (output is { } o) errors.Range(path + ".price.output_per_million_tokens", o, 0, 1_000_000);
        var upstream = m.UpstreamModel ?? m.Name;
        var known = KnownPrices.Find(upstream);
        return new ModelConfig
        {
            Name = m.Name,
            UpstreamModel = upstream,
            Types = types ?? known?.Types ?? defaultTypes,
            InputPricePerMillion = input ?? known?.Input,
            OutputPricePerMillion = output ?? known?.Output,
        };
    }

    /// <summary><c>[chat, completion, embedding, rerank]</c>, any of them: a model's <c>types</c> or a virtual model's <c>model_types</c>.</summary>
    public static ModelTypes ReadTypes(ConfigErrors errors, IReadOnlyList<string> names, string path)
    {
        var types = ModelTypes.None;
        for (var i = 0; i < names.Count; i++)
        {
            var type = names[i] switch
            {
                "chat" => ModelTypes.Chat,
                "completion" => ModelTypes.Completion,
                "embedding" => ModelTypes.Embedding,
                "rerank" => ModelTypes.Rerank,
                _ => ModelTypes.None,
            };
            if (type == ModelTypes.None) errors.Add($"{path}[{i}]", $"unknown model type '{names[i]}' (expected chat, completion, embedding or rerank)");
            types |= type;
        }
        return types;
    }

    private static bool IsSlug(string s)
    {
        if (s.Length == 0 || s.Length > 64) return false;
        foreach (var c in s)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_')) return false;
        }
        return true;
    }
}
