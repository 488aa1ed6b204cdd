using Microsoft.Extensions.Logging;

namespace Gateway.Proxy;

internal static partial class ProxyLog
{
    [LoggerMessage(1, LogLevel.Warning, "Upstream {Provider} failed before responding: {Reason}")]
    public static partial void UpstreamFailed(ILogger logger, string provider, string reason);

    [LoggerMessage(2, LogLevel.Warning, "Upstream {Provider} stream interrupted: {Reason}")]
    public static partial void StreamInterrupted(ILogger logger, string provider, string reason);

    [LoggerMessage(3, LogLevel.Error, "Unhandled error while proxying {Path}")]
    public static partial void Unhandled(ILogger logger, Exception exception, string path);

    [LoggerMessage(4, LogLevel.Error, "Exchange listener failed")]
    public static partial void ListenerFailed(ILogger logger, Exception exception);
}
