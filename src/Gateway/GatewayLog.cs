using Microsoft.Extensions.Logging;

namespace Gateway;

internal static partial class GatewayLog
{
    [LoggerMessage(100, LogLevel.Information, "gateway {Version} listening on {Urls}; config {Source}; {Models} models")]
    public static partial void Started(ILogger logger, string version, string urls, string source, int models);
}
