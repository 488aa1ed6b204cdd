using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gateway.Config;

/// <summary>Turns a YAML file into a validated <see cref="GatewayConfig"/>, or a list of file:line errors.</summary>
internal static class ConfigLoader
{
    public const string EmbeddedSource = "<embedded default>";

    private static readonly string[] s_topLevel = ["server", "providers", "auth", "virtual_models", "routing", "tracing", "tracing_projects", "span_store"];
    private static readonly string[] s_serverFields =
        ["listen", "max_request_body_bytes", "request_timeout_ms", "ttft_timeout_ms", "allow_timeout_increase_by_header", "sse_keepalive_ms", "shutdown_timeout_ms",
         "shutdown_drain_delay_ms"];
    private static readonly string[] s_providerFields =
        ["name", "type", "base_url", "api_key", "headers", "token_delay_ms", "connect_timeout_ms", "models"];
    private static readonly string[] s_modelFields = ["name", "upstream_model", "types", "price"];
    private static readonly string[] s_priceFields = ["input_per_million_tokens", "output_per_million_tokens"];
    private static readonly string[] s_tracingFields = ["capture_content", "max_content_chars", "default_project_fqn"];

    public static GatewayConfig LoadFile(string path, Func<string, string?>? getEnv = null)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([$"{path}: cannot read the file: {e.Message}"]);
        }
        return Load(text, path, getEnv, fromFile: true);
    }

    /// <summary>The configuration used when no file is given: the mock models, plus OpenAI's when OPENAI_API_KEY is set.</summary>
    public static GatewayConfig LoadDefault(Func<string, string?>? getEnv = null)
    {
        getEnv ??= Environment.GetEnvironmentVariable;
        return Load(DefaultConfig.Yaml(DefaultIncludesOpenAI(getEnv)), EmbeddedSource, getEnv);
    }

    /// <summary>Whether the embedded default serves OpenAI's models (openai-main/...): OPENAI_API_KEY is set.</summary>
    public static bool DefaultIncludesOpenAI(Func<string, string?> getEnv) => !string.IsNullOrEmpty(getEnv("OPENAI_API_KEY"));

    /// <param name="fromFile">The text is <paramref name="file"/>'s content (then the gateway watches it for live reload).</param>
    public static GatewayConfig Load(string text, string file, Func<string, string?>? getEnv = null, bool fromFile = false)
    {
        getEnv ??= Environment.GetEnvironmentVariable;
        var reader = new YamlReader(file, getEnv);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new ConfigException([$"{file}:{e.Start.Line}:{e.Start.Column}: invalid YAML: {e.InnerException?.Message ?? e.Message}"]);
        }

        var server = new ServerOptions();
        var providers = new List<ProviderConfig>();
        var apiKeys = new List<ApiKeyConfig>();
        YamlNode? virtualModelsNode = null, routingNode = null;
        var tracing = new TracingOptions();
        var tracingProjects = TracingProjectsConfig.Empty;
        var spanStore = new SpanStoreConfig();
        if (stream.Documents.Count > 0 && stream.Documents[0].RootNode is not YamlScalarNode { Value: null or "" })
        {
            reader.Fields(stream.Documents[0].RootNode, "", s_topLevel, (key, value, path) =>
            {
                switch (key)
                {
                    case "server": server = ReadServer(reader, value, path); break;
                    case "providers": ReadProviders(reader, value, path, providers); break;
                    case "auth": apiKeys = AuthConfigReader.Read(reader, value, path); break;
                    case "virtual_models": virtualModelsNode = value; break;
                    case "routing": routingNode = value; break;
                    case "tracing": tracing = ReadTracing(reader, value, path); break;
                    case "tracing_projects": tracingProjects = TracingProjectsConfigReader.Read(reader, value, path); break;
                    case "span_store": spanStore = SpanStoreConfigReader.Read(reader, value, path); break;
                }
            });
        }
        // Routing refers to provider models, so it is read after them wherever it sits in the file.
        var models = new ModelIndex(providers);
        List<VirtualModelConfig> virtualModels = virtualModelsNode is null ? [] : RoutingConfigReader.ReadVirtualModels(reader, virtualModelsNode, "virtual_models", models);
        var routing = routingNode is null ? RoutingConfig.Empty : RoutingConfigReader.ReadRouting(reader, routingNode, "routing", models);
        if (providers.Count == 0 && reader.Errors.Count == 0)
        {
            reader.Error("providers", "at least one provider is required");
        }
        if (reader.Errors.Count > 0) throw new ConfigException(reader.Errors);
        return new GatewayConfig
        {
            Source = file,
            SourceIsFile = fromFile,
            Server = server,
            Providers = providers,
            ApiKeys = apiKeys,
            VirtualModels = virtualModels,
            Routing = routing,
            Tracing = tracing,
            TracingProjects = tracingProjects,
            SpanStore = spanStore,
        };
    }

    private static ServerOptions ReadServer(YamlReader r, YamlNode node, string path)
    {
        string? listen = null;
        long body = 10 * 1024 * 1024;
        int request = 600_000, ttft = 0, keepalive = 15_000, shutdown = 30_000;
        var drain = new ServerOptions().ShutdownDrainDelayMs;
        var raiseByHeader = false;
        r.Fields(node, path, s_serverFields, (key, value, p) =>
        {
            switch (key)
            {
                case "listen": listen = r.String(value, p); break;
                case "max_request_body_bytes": body = r.Long(value, p, ServerOptions.MinRequestBodyBytes, ServerOptions.MaxRequestBodyBytesLimit) ?? body; break;
                case "request_timeout_ms": request = r.Int(value, p, 0, int.MaxValue) ?? request; break;
                case "ttft_timeout_ms": ttft = r.Int(value, p, 0, int.MaxValue) ?? ttft; break;
                case "allow_timeout_increase_by_header": raiseByHeader = r.Bool(value, p) ?? raiseByHeader; break;
                case "sse_keepalive_ms": keepalive = r.Int(value, p, 0, int.MaxValue) ?? keepalive; break;
                case "shutdown_timeout_ms": shutdown = r.Int(value, p, 0, int.MaxValue) ?? shutdown; break;
                // Ten minutes: past any orchestrator's grace period (Kubernetes defaults to 30 s).
                case "shutdown_drain_delay_ms": drain = r.Int(value, p, 0, 600_000) ?? drain; break;
            }
        });
        if (listen is not null)
        {
            foreach (var url in listen.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!Uri.TryCreate(url.Replace("://+", "://0.0.0.0").Replace("://*", "://0.0.0.0"), UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https"))
                {
                    r.Error(node, path + ".listen", $"'{url}' is not an http(s) URL");
                }
            }
        }
        return new ServerOptions
        {
            Listen = listen,
            MaxRequestBodyBytes = body,
            RequestTimeoutMs = request,
            TtftTimeoutMs = ttft,
            AllowTimeoutIncreaseByHeader = raiseByHeader,
            SseKeepaliveMs = keepalive,
            ShutdownTimeoutMs = shutdown,
            ShutdownDrainDelayMs = drain,
        };
    }

    private static TracingOptions ReadTracing(YamlReader r, YamlNode node, string path)
    {
        var capture = true;
        var max = TracingOptions.DefaultMaxContentChars;
        var project = TracingOptions.DefaultProjectFqnValue;
        r.Fields(node, path, s_tracingFields, (key, value, p) =>
        {
            switch (key)
            {
                case "capture_content": capture = r.Bool(value, p) ?? capture; break;
                // 4 Mi: collectors refuse gRPC messages over 4 MiB by default, so a longer value could never arrive.
                case "max_content_chars": max = r.Int(value, p, 16, 4 * 1024 * 1024) ?? max; break;
                case "default_project_fqn":
                    var fqn = r.String(value, p);
                    if (string.IsNullOrWhiteSpace(fqn)) r.Error(value, p, "must not be empty");
                    else project = fqn;
                    break;
            }
        });
        return new TracingOptions { CaptureContent = capture, MaxContentChars = max, DefaultProjectFqn = project };
    }

    private static void ReadProviders(YamlReader r, YamlNode node, string path, List<ProviderConfig> providers)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (item, p) in r.Items(node, path))
        {
            var provider = ReadProvider(r, item, p);
            if (provider is null) continue;
            if (!names.Add(provider.Name))
            {
                r.Error(item, p + ".name", $"duplicate provider name '{provider.Name}'");
                continue;
            }
            providers.Add(provider);
        }
    }

    private static ProviderConfig? ReadProvider(YamlReader r, YamlNode node, string path)
    {
        string? name = null, type = null, baseUrl = null, apiKey = null;
        int tokenDelay = 20, connectTimeout = 10_000;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var models = new List<ModelConfig>();
        YamlNode? typeNode = null, modelsNode = null, baseUrlNode = null;
        var errorsBefore = r.Errors.Count;
        r.Fields(node, path, s_providerFields, (key, value, p) =>
        {
            switch (key)
            {
                case "name": name = r.String(value, p); break;
                case "type": type = r.String(value, p); typeNode = value; break;
                case "base_url": baseUrl = r.String(value, p); baseUrlNode = value; break;
                case "api_key": apiKey = r.String(value, p); break;
                case "token_delay_ms": tokenDelay = r.Int(value, p, 0, 60_000) ?? tokenDelay; break;
                case "connect_timeout_ms": connectTimeout = r.Int(value, p, 1, 600_000) ?? connectTimeout; break;
                case "headers":
                    if (value is YamlMappingNode map)
                    {
                        foreach (var (k, v) in map.Children)
                        {
                            var headerName = (k as YamlScalarNode)?.Value ?? "";
                            var headerValue = r.String(v, p + "." + headerName);
                            if (headerValue is not null) headers[headerName] = headerValue;
                        }
                    }
                    else
                    {
                        r.Error(value, p, "expected a mapping of header names to values");
                    }
                    break;
                case "models": modelsNode = value; break;
            }
        });
        if (name is null)
        {
            r.Error(node, path + ".name", "required");
        }
        else if (!IsSlug(name))
        {
            r.Error(node, path + ".name", $"'{name}' must be lowercase letters, digits, '-' or '_'");
        }
        ProviderKind kind = ProviderKind.OpenAI;
        switch (type)
        {
            case null: r.Error(node, path + ".type", "required (openai or mock)"); break;
            case "openai" or "openai-compatible": kind = ProviderKind.OpenAI; break;
            case "mock": kind = ProviderKind.Mock; break;
            default: r.Error(typeNode!, path + ".type", $"unknown provider type '{type}' (expected openai or mock)"); break;
        }
        if (kind == ProviderKind.OpenAI && type is not null)
        {
            if (baseUrl is null)
            {
                r.Error(node, path + ".base_url", "required for an openai provider");
            }
            else if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                r.Error(baseUrlNode!, path + ".base_url", $"'{baseUrl}' is not an absolute http(s) URL");
            }
        }
        var defaultTypes = kind == ProviderKind.Mock ? ModelTypes.Chat | ModelTypes.Completion | ModelTypes.Embedding : ModelTypes.Chat;
        if (modelsNode is null)
        {
            r.Error(node, path + ".models", "required: at least one model");
        }
        else
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (item, p) in r.Items(modelsNode, path + ".models"))
            {
                var model = ReadModel(r, item, p, defaultTypes);
                if (model is null) continue;
                if (!seen.Add(model.Name))
                {
                    r.Error(item, p, $"duplicate model name '{model.Name}'");
                    continue;
                }
                models.Add(model);
            }
            if (models.Count == 0 && r.Errors.Count == errorsBefore) r.Error(modelsNode, path + ".models", "at least one model is required");
        }
        if (r.Errors.Count != errorsBefore || name is null) return null;
        return new ProviderConfig
        {
            Name = name,
            Kind = kind,
            BaseUrl = baseUrl?.TrimEnd('/'),
            ApiKey = string.IsNullOrEmpty(apiKey) ? null : apiKey,
            Headers = headers,
            TokenDelayMs = tokenDelay,
            ConnectTimeoutMs = connectTimeout,
            Models = models,
        };
    }

    private static ModelConfig? ReadModel(YamlReader r, YamlNode node, string path, ModelTypes defaultTypes)
    {
        if (node is YamlScalarNode)
        {
            var shortName = r.String(node, path);
            if (string.IsNullOrWhiteSpace(shortName))
            {
                r.Error(node, path, "model name must not be empty");
                return null;
            }
            var known = KnownPrices.Find(shortName);
            return new ModelConfig
            {
                Name = shortName,
                UpstreamModel = shortName,
                Types = known?.Types ?? defaultTypes,
                InputPricePerMillion = known?.Input,
                OutputPricePerMillion = known?.Output,
            };
        }
        string? name = null, upstream = null;
        ModelTypes? types = null;
        double? input = null, output = null;
        r.Fields(node, path, s_modelFields, (key, value, p) =>
        {
            switch (key)
            {
                case "name": name = r.String(value, p); break;
                case "upstream_model": upstream = r.String(value, p); break;
                case "types":
                    var t = ModelTypes.None;
                    foreach (var (item, ip) in r.Items(value, p))
                    {
                        switch (r.String(item, ip))
                        {
                            case "chat": t |= ModelTypes.Chat; break;
                            case "completion": t |= ModelTypes.Completion; break;
                            case "embedding": t |= ModelTypes.Embedding; break;
                            case var other: r.Error(item, ip, $"unknown model type '{other}' (expected chat, completion or embedding)"); break;
                        }
                    }
                    types = t;
                    break;
                case "price":
                    r.Fields(value, p, s_priceFields, (pk, pv, pp) =>
                    {
                        if (pk == "input_per_million_tokens") input = r.Double(pv, pp, 0, 1_000_000);
                        else output = r.Double(pv, pp, 0, 1_000_000);
                    });
                    break;
            }
        });
        if (string.IsNullOrWhiteSpace(name))
        {
            r.Error(node, path + ".name", "required");
            return null;
        }
        var defaults = KnownPrices.Find(upstream ?? name);
        return new ModelConfig
        {
            Name = name,
            UpstreamModel = upstream ?? name,
            Types = types ?? defaults?.Types ?? defaultTypes,
            InputPricePerMillion = input ?? defaults?.Input,
            OutputPricePerMillion = output ?? defaults?.Output,
        };
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
