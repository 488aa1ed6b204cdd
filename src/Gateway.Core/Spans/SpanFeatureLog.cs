using Microsoft.Extensions.Logging;

namespace Gateway.Spans;

internal static partial class SpanFeatureLog
{
    [LoggerMessage(410, LogLevel.Error, "span store {Path} could not be opened; spans are not stored and the query API answers 404")]
    public static partial void OpenFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(413, LogLevel.Information, "span query API: no API keys, so it answers callers on this machine only (span_store.allow_anonymous_remote: false)")]
    public static partial void AnonymousLocalOnly(ILogger logger);

    // A warning: every stored prompt is readable by anyone who can reach the port.
    [LoggerMessage(414, LogLevel.Warning, "span query API: no API keys and span_store.allow_anonymous_remote: true, so any caller that reaches the port reads every stored span, prompts included")]
    public static partial void AnonymousRemote(ILogger logger);
}
