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
}

internal sealed class ServerOptions
{
    /// <summary>Listen URLs (semicolon separated), used when neither --urls nor ASPNETCORE_URLS is given.</summary>
    public string? Listen { get; init; }
    /// <summary>413 past this; the body is held in one pooled array, so the range stays well inside an array's reach.</summary>
    public long MaxRequestBodyBytes { get; init; } = 10 * 1024 * 1024;
    public const long MinRequestBodyBytes = 1024;
    public const long MaxRequestBodyBytesLimit = 1024 * 1024 * 1024;
    /// <summary>Per attempt, headers through last byte. 0 disables.</summary>
    public int RequestTimeoutMs { get; init; } = 600_000;
    /// <summary>Streams only: request start to first token. 0 disables.</summary>
    public int TtftTimeoutMs { get; init; }
    /// <summary>Whether the timeout headers may raise the two timeouts above; by default they may only lower them.</summary>
    public bool AllowTimeoutIncreaseByHeader { get; init; }
    /// <summary>SSE comment keepalive while waiting for the first token. 0 disables.</summary>
    public int SseKeepaliveMs { get; init; } = 15_000;
    /// <summary>SIGTERM: after the listener closes, how long in-flight requests and streams may take.</summary>
    public int ShutdownTimeoutMs { get; init; } = 30_000;
    /// <summary>
    /// SIGTERM: how long /readyz answers 503 while the gateway still accepts and serves, before the
    /// listener closes, so load balancers stop routing to it first (Kubernetes rollouts). 0 = close at once.
    /// </summary>
    public int ShutdownDrainDelayMs { get; init; }
}

internal enum ProviderKind
{
    OpenAI,
    Mock,
}

[Flags]
internal enum ModelTypes
{
    None = 0,
    Chat = 1,
    Completion = 2,
    Embedding = 4,
}

internal sealed class ProviderConfig
{
    public required string Name { get; init; }
    public required ProviderKind Kind { get; init; }
    public string? BaseUrl { get; init; }
    public string? ApiKey { get; init; }
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
    /// <summary>Mock only: delay between streamed tokens.</summary>
    public int TokenDelayMs { get; init; } = 20;
    public int ConnectTimeoutMs { get; init; } = 10_000;
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
