using Microsoft.Extensions.Logging;

namespace Gateway;

internal static partial class GatewayLog
{
    [LoggerMessage(100, LogLevel.Information, "gateway {Version} listening on {Urls}; config {Source} (version {ConfigVersion}); {Models} models")]
    public static partial void Started(ILogger logger, string version, string urls, string source, int configVersion, int models);

    // A warning on purpose: an open gateway is fine on a laptop and a mistake anywhere else.
    [LoggerMessage(101, LogLevel.Warning, "no API keys configured: serving anonymous callers on /v1 (add auth.api_keys to require 'Authorization: Bearer')")]
    public static partial void Anonymous(ILogger logger);

    [LoggerMessage(102, LogLevel.Information, "{Keys} API keys configured: /v1 requires 'Authorization: Bearer'")]
    public static partial void KeysRequired(ILogger logger, int keys);

    [LoggerMessage(103, LogLevel.Information, "routing: {VirtualModels} virtual models, {Rules} load-balancing rules")]
    public static partial void Routing(ILogger logger, int virtualModels, int rules);

    [LoggerMessage(104, LogLevel.Information, "shutdown started: /readyz answers 503; still serving for {DrainDelayMs} ms, then the listener closes and in-flight requests get up to {TimeoutMs} ms")]
    public static partial void ShutdownStarted(ILogger logger, int drainDelayMs, int timeoutMs);

    [LoggerMessage(105, LogLevel.Information, "shutdown complete after {ElapsedMs} ms")]
    public static partial void ShutdownComplete(ILogger logger, long elapsedMs);
}
