using Microsoft.Extensions.Logging;

namespace Gateway.Spans;

internal static partial class SpanFeatureLog
{
    [LoggerMessage(410, LogLevel.Error, "span store {Path} could not be opened; spans are not stored and the query API answers 404")]
    public static partial void OpenFailed(ILogger logger, string path, Exception exception);
}
