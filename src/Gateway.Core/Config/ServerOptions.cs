namespace Gateway.Config;

/// <summary>The <c>server:</c> section.</summary>
/// <param name="Listen">Listen URLs (semicolon separated), used when neither --urls nor ASPNETCORE_URLS is given.</param>
/// <param name="MaxRequestBodyBytes">413 past this; the body is held in one pooled array, so the range stays well inside an array's reach.</param>
/// <param name="RequestTimeoutMs">Per attempt, headers through last byte. 0 disables.</param>
/// <param name="TtftTimeoutMs">Streams only: request start to first token. 0 disables.</param>
/// <param name="AllowTimeoutIncreaseByHeader">Whether the timeout headers may raise the two timeouts above; by default they may only lower them.</param>
/// <param name="SseKeepaliveMs">SSE comment keepalive while waiting for the first token. 0 disables.</param>
/// <param name="ShutdownTimeoutMs">SIGTERM: after the listener closes, how long in-flight requests and streams may take.</param>
/// <param name="ShutdownDrainDelayMs">
/// SIGTERM: how long /readyz answers 503 while the gateway still accepts and serves, before the
/// listener closes, so load balancers stop routing to it first (Kubernetes rollouts). 0 = close at once.
/// </param>
internal sealed record ServerOptions(
    string? Listen = null,
    long MaxRequestBodyBytes = 10 * 1024 * 1024,
    int RequestTimeoutMs = 600_000,
    int TtftTimeoutMs = 0,
    bool AllowTimeoutIncreaseByHeader = false,
    int SseKeepaliveMs = 15_000,
    int ShutdownTimeoutMs = 30_000,
    int ShutdownDrainDelayMs = 0)
{
    public const long MinRequestBodyBytes = 1024;
    public const long MaxRequestBodyBytesLimit = 1024 * 1024 * 1024;

    public void Check(ConfigErrors errors, string path)
    {
        errors.Range(path + ".max_request_body_bytes", MaxRequestBodyBytes, MinRequestBodyBytes, MaxRequestBodyBytesLimit);
        errors.Range(path + ".request_timeout_ms", RequestTimeoutMs, 0, int.MaxValue);
        errors.Range(path + ".ttft_timeout_ms", TtftTimeoutMs, 0, int.MaxValue);
        errors.Range(path + ".sse_keepalive_ms", SseKeepaliveMs, 0, int.MaxValue);
        errors.Range(path + ".shutdown_timeout_ms", ShutdownTimeoutMs, 0, int.MaxValue);
        // Ten minutes: past any orchestrator's grace period (Kubernetes defaults to 30 s).
        errors.Range(path + ".shutdown_drain_delay_ms", ShutdownDrainDelayMs, 0, 600_000);
        foreach (var url in (Listen ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url.Replace("://+", "://0.0.0.0").Replace("://*", "://0.0.0.0"), UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https"))
            {
                errors.Add(path + ".listen", $"'{url}' is not an http(s) URL");
            }
        }
    }
}
