using System.Text.Json;

namespace Gateway.Config;

/// <summary>
/// The config file as written: each record a YAML mapping, each property a field (snake_case, bound by
/// <see cref="ConfigJsonContext"/>). Sections already in their runtime shape bind to the runtime records
/// (<see cref="ServerOptions"/>, <see cref="TracingOptions"/>, <see cref="SpanStoreConfig"/>, ...); the ones
/// nested here are checked and resolved by the section readers. Defaults are given once, on the records.
/// </summary>
internal sealed record ConfigFile(
    ServerOptions? Server = null,
    IReadOnlyList<ConfigFile.Provider>? Providers = null,
    ConfigFile.AuthSection? Auth = null,
    IReadOnlyList<ConfigFile.VirtualModel>? VirtualModels = null,
    ConfigFile.RoutingSection? Routing = null,
    TracingOptions? Tracing = null,
    ConfigFile.TracingProjectsSection? TracingProjects = null,
    SpanStoreConfig? SpanStore = null,
    ConfigFile.RateLimitingSection? RateLimiting = null,
    ConfigFile.BudgetLimitingSection? BudgetLimiting = null,
    LimitsStoreConfig? LimitsStore = null,
    IReadOnlyDictionary<string, string>? ModelAliases = null,
    ConfigFile.GuardrailsSection? Guardrails = null,
    IReadOnlyList<ConfigFile.McpServer>? McpServers = null,
    IReadOnlyList<string>? McpAllowedUrls = null)
{
    internal sealed record Provider(
        string? Name = null,
        string? Type = null,
        string? BaseUrl = null,
        string? ApiKey = null,
        string? ApiVersion = null,
        IReadOnlyDictionary<string, string>? Headers = null,
        int TokenDelayMs = ProviderConfig.DefaultTokenDelayMs,
        int ConnectTimeoutMs = ProviderConfig.DefaultConnectTimeoutMs,
        IReadOnlyList<Model>? Models = null);

    /// <summary>A provider model; <c>- gpt-4o</c> is short for <c>- name: gpt-4o</c> (<see cref="YamlBinder"/>).</summary>
    internal sealed record Model(string? Name = null, string? UpstreamModel = null, IReadOnlyList<string>? Types = null, Price? Price = null);

    /// <summary>USD per million tokens.</summary>
    internal sealed record Price(double? InputPerMillionTokens = null, double? OutputPerMillionTokens = null);

    internal sealed record AuthSection(IReadOnlyList<ApiKey>? ApiKeys = null);

    internal sealed record ApiKey(
        string? Name = null,
        string? KeyHash = null,
        string? Key = null,
        string? Subject = null,
        IReadOnlyList<string>? Teams = null,
        string? Tenant = null,
        bool Admin = false);

    internal sealed record VirtualModel(string? Name = null, IReadOnlyList<string>? ModelTypes = null, LoadBalancing? RoutingConfig = null);

    /// <summary>A virtual model's <c>routing_config</c>.</summary>
    internal sealed record LoadBalancing(string? Type = null, IReadOnlyList<LoadBalanceTarget>? LoadBalanceTargets = null);

    internal sealed record LoadBalanceTarget(
        string? Target = null,
        int? Weight = null,
        int? Priority = null,
        SlaCutoff? SlaCutoff = null,
        Retry? RetryConfig = null,
        IReadOnlyList<int>? FallbackStatusCodes = null,
        bool FallbackCandidate = true,
        IReadOnlyDictionary<string, JsonElement>? OverrideParams = null);

    /// <summary>A target's <c>retry_config</c>; what it leaves out comes from <see cref="Config.RetryConfig.Default"/>.</summary>
    internal sealed record Retry(int? Attempts = null, int? Delay = null, IReadOnlyList<int>? OnStatusCodes = null);

    internal sealed record RoutingSection(string? Name = null, string? Type = null, IReadOnlyList<Rule>? Rules = null, HealthOptions? Health = null);

    /// <summary>One of <c>routing.rules</c>: a routing config with an id and a condition.</summary>
    internal sealed record Rule(string? Id = null, string? Type = null, When? When = null, IReadOnlyList<LoadBalanceTarget>? LoadBalanceTargets = null);

    /// <summary>The <c>when</c> of a routing rule or a tracing project rule.</summary>
    internal sealed record When(IReadOnlyList<string>? Subjects = null, IReadOnlyList<string>? Models = null, IReadOnlyDictionary<string, string>? Metadata = null);

    internal sealed record TracingProjectsSection(string? Default = null, IReadOnlyList<TracingProject>? Projects = null);

    internal sealed record TracingProject(string? Fqn = null, IReadOnlyList<string>? Collaborators = null, IReadOnlyList<TracingRule>? Rules = null);

    internal sealed record TracingRule(When? When = null);

    /// <summary><c>rate_limiting</c> (the reference's gateway-rate-limiting-config, 1.2).</summary>
    /// <param name="TokenEstimate">Tokens a tokens_per_* rule reserves for a request without max_tokens, settled with the real usage.</param>
    internal sealed record RateLimitingSection(string? Name = null, string? Type = null, IReadOnlyList<RateLimitRule>? Rules = null, long TokenEstimate = RateLimitingConfig.DefaultTokenEstimate);

    internal sealed record RateLimitRule(string? Id = null, When? When = null, long? LimitTo = null, RateLimitUnit? Unit = null, IReadOnlyList<string>? RateLimitAppliesPer = null);

    /// <summary><c>budget_limiting</c> (the reference's gateway-budget-config, 1.3).</summary>
    /// <param name="OutputTokenEstimate">Output tokens a request without max_tokens is priced at when its maximum cost is reserved.</param>
    internal sealed record BudgetLimitingSection(string? Name = null, string? Type = null, IReadOnlyList<BudgetRule>? Rules = null, long OutputTokenEstimate = BudgetLimitingConfig.DefaultOutputTokenEstimate);

    internal sealed record BudgetRule(
        string? Id = null,
        BudgetUnit? Unit = null,
        When? When = null,
        double? LimitTo = null,
        bool AuditMode = false,
        IReadOnlyList<string>? BudgetAppliesPer = null,
        BudgetAlerts? Alerts = null);

    internal sealed record BudgetAlerts(IReadOnlyList<int>? Thresholds = null, IReadOnlyList<NotificationTarget>? NotificationTarget = null);

    /// <summary>Where alerts go: <c>log</c>, or <c>webhook</c> with a <c>url</c> (HTTP POST, docs/limits.md).</summary>
    internal sealed record NotificationTarget(string? Type = null, string? Url = null, IReadOnlyDictionary<string, string>? Headers = null);

    /// <summary><c>guardrails</c> (the reference's gateway-guardrails-config, 1.4; docs/guardrails.md).</summary>
    internal sealed record GuardrailsSection(string? Name = null, string? Type = null, IReadOnlyList<GuardrailConfig>? Configs = null, IReadOnlyList<GuardrailRule>? Rules = null);

    internal sealed record GuardrailRule(
        string? Id = null,
        GuardrailWhen? When = null,
        IReadOnlyList<string>? LlmInputGuardrails = null,
        IReadOnlyList<string>? LlmOutputGuardrails = null,
        IReadOnlyList<string>? McpToolPreInvokeGuardrails = null,
        IReadOnlyList<string>? McpToolPostInvokeGuardrails = null);

    /// <summary>A guardrail rule's <c>when</c>: a routing <c>when</c> plus <c>mcp_servers</c> (<c>server</c> or <c>server:tool</c>).</summary>
    internal sealed record GuardrailWhen(IReadOnlyList<string>? Subjects = null, IReadOnlyList<string>? Models = null, IReadOnlyList<string>? McpServers = null, IReadOnlyDictionary<string, string>? Metadata = null);

    /// <summary>One of <c>mcp_servers</c> (issue #13; docs/agents-and-mcp.md): a remote Streamable HTTP server, or a virtual one combining others.</summary>
    internal sealed record McpServer(
        string? Name = null,
        string? Fqn = null,
        McpServerKind Type = McpServerKind.Remote,
        string? Url = null,
        McpAuth? Auth = null,
        IReadOnlyList<string>? CallerHeaders = null,
        IReadOnlyList<string>? Tools = null,
        int ConnectTimeoutMs = McpServerConfig.DefaultConnectTimeoutMs,
        int ToolTimeoutMs = McpServerConfig.DefaultToolTimeoutMs,
        int ToolsCacheMs = McpServerConfig.DefaultToolsCacheMs,
        IReadOnlyList<McpMember>? Servers = null);

    /// <summary>How the gateway authenticates to a remote MCP server: <c>header</c> (static headers) or <c>bearer</c> (a token).</summary>
    internal sealed record McpAuth(string? Type = null, IReadOnlyDictionary<string, string>? Headers = null, string? Token = null);

    /// <summary>A server a virtual server takes tools from; <c>tools</c> left out takes all of them.</summary>
    internal sealed record McpMember(string? Server = null, IReadOnlyList<string>? Tools = null);
}
