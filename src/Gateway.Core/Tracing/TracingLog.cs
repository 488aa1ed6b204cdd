using Microsoft.Extensions.Logging;

namespace Gateway.Tracing;

internal static partial class TracingLog
{
    [LoggerMessage(300, LogLevel.Information, "OpenTelemetry {Signal} export to {Endpoint}, service.name {ServiceName}")]
    public static partial void ExportEnabled(ILogger logger, string signal, string endpoint, string serviceName);

    [LoggerMessage(301, LogLevel.Warning, "Span export failed: {Count} spans lost ({Total} in total) sending to {Endpoint}: {Reason}")]
    public static partial void ExportFailed(ILogger logger, long count, string endpoint, long total, string reason);

    [LoggerMessage(302, LogLevel.Warning, "Span export queue full: {Count} spans dropped ({Total} in total); requests are not affected")]
    public static partial void SpansDropped(ILogger logger, long count, long total);

    [LoggerMessage(303, LogLevel.Warning, "Tracing could not record {Part} of a span ({Total} parts lost in total); the span keeps its other attributes")]
    public static partial void ListenerFault(ILogger logger, Exception exception, string part, long total);
}
