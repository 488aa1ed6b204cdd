namespace Gateway.Config;

/// <summary>An immutable, validated configuration snapshot (DESIGN.md decision 4).</summary>
internal sealed class GatewayConfig
{
    public required string Source { get; init; }
    /// <summary>Whether <see cref="Source"/> is a file the config was read from (watched for live reload).</summary>
    public bool SourceIsFile { get; init; }
    public required ServerOptions Server { get; init; }
    public required IReadOnlyList<ProviderConfig> Providers { get; init; }
    /// <summary>API keys; empty means anonymous callers are served (the embedded default).</summary>
    public IReadOnlyList<ApiKeyConfig> ApiKeys { get; init; } = [];
    public IReadOnlyList<VirtualModelConfig> VirtualModels { get; init; } = [];
    public RoutingConfig Routing { get; init; } = RoutingConfig.Empty;
    public TracingOptions Tracing { get; init; } = new();
    public TracingProjectsConfig TracingProjects { get; init; } = TracingProjectsConfig.Empty;
    public SpanStoreConfig SpanStore { get; init; } = new();
    public RateLimitingConfig RateLimiting { get; init; } = RateLimitingConfig.Empty;
    public BudgetLimitingConfig Budgets { get; init; } = BudgetLimitingConfig.Empty;
    public LimitsStoreConfig LimitsStore { get; init; } = new();
    /// <summary><c>model_aliases</c>: a name clients already use -> a provider model or a virtual model.</summary>
    public IReadOnlyDictionary<string, string> ModelAliases { get; init; } = new Dictionary<string, string>();
    /// <summary><c>mcp_servers</c> and <c>mcp_allowed_urls</c> (docs/agents-and-mcp.md).</summary>
    public McpConfig Mcp { get; init; } = McpConfig.Empty;
    /// <summary><c>guardrails</c> (docs/guardrails.md).</summary>
    public GuardrailsConfig Guardrails { get; init; } = GuardrailsConfig.Empty;
}

internal enum ProviderKind
{
    OpenAI,
    Mock,
    Anthropic,
    AzureOpenAI,
}

[Flags]
internal enum ModelTypes
{
    None = 0,
    Chat = 1,
    Completion = 2,
    Embedding = 4,
    Rerank = 8,
}

internal sealed class ProviderConfig
{
    public required string Name { get; init; }
    public required ProviderKind Kind { get; init; }
    public string? BaseUrl { get; init; }
    public string? ApiKey { get; init; }
    /// <summary>Anthropic: the <c>anthropic-version</c> header; Azure OpenAI: the <c>api-version</c> query parameter.</summary>
    public string? ApiVersion { get; init; }
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
    public const int DefaultTokenDelayMs = 20;
    public const int DefaultConnectTimeoutMs = 10_000;

    /// <summary>Mock only: delay between streamed tokens.</summary>
    public int TokenDelayMs { get; init; } = DefaultTokenDelayMs;
    public int ConnectTimeoutMs { get; init; } = DefaultConnectTimeoutMs;
    public required IReadOnlyList<ModelConfig> Models { get; init; }
}

internal sealed class ModelConfig
{
    /// <summary>The name after the provider: <c>openai-main/&lt;Name&gt;</c>.</summary>
    public required string Name { get; init; }
    /// <summary>The name the upstream knows the model by.</summary>
    public required string UpstreamModel { get; init; }
    public ModelTypes Types { get; init; } = ModelTypes.Chat;
    /// <summary>USD per million tokens; null when unknown.</summary>
    public double? InputPricePerMillion { get; init; }
    public double? OutputPricePerMillion { get; init; }
}
