using Microsoft.Extensions.Logging;

namespace Gateway.Config;

internal static partial class ConfigLog
{
    [LoggerMessage(110, LogLevel.Information, "config {Path}: watching for changes (and SIGHUP)")]
    public static partial void Watching(ILogger logger, string path);

    [LoggerMessage(111, LogLevel.Information, "config reloaded ({Reason}): version {Version} live, {Models} models, {VirtualModels} virtual models")]
    public static partial void Reloaded(ILogger logger, int version, string reason, int models, int virtualModels);

    [LoggerMessage(112, LogLevel.Error, "config reload rejected; version {Version} stays live:\n{Errors}")]
    public static partial void ReloadRejected(ILogger logger, int version, string errors);

    [LoggerMessage(113, LogLevel.Warning, "config {Path} could not be read; version {Version} stays live")]
    public static partial void ReloadUnreadable(ILogger logger, string path, int version);

    [LoggerMessage(114, LogLevel.Warning, "config reload: {Section} changed but is read only at startup; restart the gateway to apply it")]
    public static partial void NeedsRestart(ILogger logger, string section);

    [LoggerMessage(115, LogLevel.Warning, "config {Path}: file changes cannot be watched ({Reason}); SIGHUP still reloads")]
    public static partial void NotWatching(ILogger logger, string path, string reason);
}
