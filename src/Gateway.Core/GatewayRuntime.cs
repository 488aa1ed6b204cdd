using Gateway.Auth;
using Gateway.Config;
using Gateway.Limits;
using Gateway.Providers;
using Gateway.Routing;

namespace Gateway;

/// <summary>
/// The live state the request path reads: one immutable snapshot behind a volatile field, swapped
/// whole when configuration changes (DESIGN.md decision 4). State that must outlive a snapshot
/// (connection pools, target health) lives in registries here, keyed by provider and target, and a
/// reload keeps what its key still names.
/// </summary>
internal sealed class GatewayRuntime : IDisposable
{
    private readonly Lock _reloadLock = new();
    private volatile Snapshot _current;
    private int _version;

    /// <param name="time">The clock of target health cool-downs and upstream retirement (tests pass a fake one).</param>
    public GatewayRuntime(GatewayConfig config, TimeProvider? time = null)
    {
        Time = time ?? TimeProvider.System;
        Upstreams = new UpstreamRegistry(Time);
        Health = new HealthRegistry(Time);
        RateLimits = new RateLimitRegistry(Time, config.LimitsStore);
        Budgets = new BudgetRegistry(Time, RateLimits.Shared);
        Mcp = new Mcp.McpClientPool(Time);
        Guardrails = new Guardrails.GuardrailRegistry(Time);
        _current = new Snapshot(config, ++_version, Time.GetUtcNow(), this);
    }

    public Snapshot Current => _current;

    public TimeProvider Time { get; }

    public UpstreamRegistry Upstreams { get; }

    public HealthRegistry Health { get; }

    /// <summary>Token buckets by rate limit rule id (Limits/).</summary>
    public RateLimitRegistry RateLimits { get; }

    /// <summary>Spend counters by budget rule id (Limits/).</summary>
    public BudgetRegistry Budgets { get; }

    /// <summary>MCP client sessions by server, URL and headers (Mcp/).</summary>
    public Mcp.McpClientPool Mcp { get; }

    /// <summary>The guardrail engine of the live config and the HTTP client of webhook guardrails (Guardrails/).</summary>
    public Guardrails.GuardrailRegistry Guardrails { get; }

    /// <summary>Raised after a new snapshot went live (metrics, logs).</summary>
    public event Action<Snapshot>? Reloaded;

    /// <summary>
    /// Makes <paramref name="config"/> the live snapshot. Requests in flight finish on the one they started
    /// with; upstreams it no longer uses are disposed after the longest a request may take.
    /// </summary>
    public Snapshot Reload(GatewayConfig config)
    {
        Snapshot next;
        lock (_reloadLock)
        {
            next = new Snapshot(config, ++_version, Time.GetUtcNow(), this);
            _current = next;
            Upstreams.Retain(next.Catalog.Upstreams, RetireAfter(config.Server));
            Health.Retain(next.Catalog.All.Select(t => t.Id).ToHashSet(StringComparer.Ordinal));
            RateLimits.Retain(config.RateLimiting.Rules.Select(r => r.Id).ToHashSet(StringComparer.Ordinal));
            Budgets.Retain(config.Budgets.Rules.Select(r => r.Id).ToHashSet(StringComparer.Ordinal));
            Mcp.Retain(config.Mcp);
        }
        Reloaded?.Invoke(next);
        return next;
    }

    /// <summary>A request that started before the reload is done by then: its timeout, or ten minutes when it has none.</summary>
    private static TimeSpan RetireAfter(ServerOptions server) =>
        TimeSpan.FromMilliseconds(server.RequestTimeoutMs > 0 ? server.RequestTimeoutMs + 5_000 : 600_000);

    public void Dispose()
    {
        Upstreams.Dispose();
        RateLimits.Dispose();
        Budgets.Dispose();
        Mcp.Dispose();
        Guardrails.Dispose();
    }

    internal sealed class Snapshot
    {
        public Snapshot(GatewayConfig config, int version, DateTimeOffset loadedAt, GatewayRuntime runtime)
        {
            Config = config;
            Version = version;
            LoadedAt = loadedAt;
            Catalog = new ModelCatalog(config, runtime.Upstreams);
            Routing = new RoutingTable(config, Catalog, runtime.Health);
            Keys = new ApiKeyStore(config.ApiKeys);
            RateLimits = new RateLimiter(config.RateLimiting, runtime.RateLimits);
            Budgets = new BudgetLimiter(config.Budgets, runtime.Budgets, Routing);
        }

        public GatewayConfig Config { get; }
        /// <summary>1 for the config the gateway started with, +1 per reload.</summary>
        public int Version { get; }
        public DateTimeOffset LoadedAt { get; }
        public ModelCatalog Catalog { get; }
        /// <summary>Rules, virtual models and target health (Routing/).</summary>
        public RoutingTable Routing { get; }
        public ApiKeyStore Keys { get; }
        /// <summary>Rate limit rules (Limits/), their buckets in the runtime's registry.</summary>
        public RateLimiter RateLimits { get; }
        /// <summary>Budget rules (Limits/), their counters in the runtime's registry.</summary>
        public BudgetLimiter Budgets { get; }
    }
}
