using Microsoft.Extensions.Logging;

namespace Gateway.Pipeline;

internal static partial class PipelineLog
{
    [LoggerMessage(700, LogLevel.Error, "The end-of-request hook of stage {Stage} failed")]
    public static partial void EndHookFailed(ILogger logger, Exception exception, string stage);
}
