using Gateway.Config;

namespace Gateway.Guardrails;

/// <summary>
/// The guardrail engine of the live config, built once per config (a reload builds a new one; the request
/// stage and the MCP hooks of one snapshot share it), and the HTTP client webhooks and moderation calls use:
/// no redirects, no cookies, pooled connections, like the upstream handlers.
/// </summary>
internal sealed class GuardrailRegistry(TimeProvider time) : IDisposable
{
    private readonly HttpMessageInvoker _http = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    });
    private volatile Built? _last;

    /// <summary>The engine of <paramref name="config"/>; null when it has no guardrail rules.</summary>
    public GuardrailEngine? EngineFor(GatewayConfig config)
    {
        if (config.Guardrails.IsEmpty) return null;
        var last = _last;
        if (last is not null && ReferenceEquals(last.Config, config)) return last.Engine;
        var engine = new GuardrailEngine(config, _http, time);
        _last = new Built(config, engine);
        return engine;
    }

    /// <summary>The MCP tool hooks of <paramref name="config"/> (docs/guardrails.md, "MCP tools"); null when it has no guardrail rules.</summary>
    public McpToolGuardrails? McpFor(GatewayConfig config) => EngineFor(config) is { } engine ? new McpToolGuardrails(engine) : null;

    public void Dispose() => _http.Dispose();

    private sealed record Built(GatewayConfig Config, GuardrailEngine Engine);
}
