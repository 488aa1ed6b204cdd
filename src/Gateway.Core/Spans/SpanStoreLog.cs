using Microsoft.Extensions.Logging;

namespace Gateway.Spans;

internal static partial class SpanStoreLog
{
    [LoggerMessage(400, LogLevel.Information, "span store {Path}: ready (queue {Capacity}, retention {RetentionDays} days, max {MaxRows} rows)")]
    public static partial void Opened(ILogger logger, string path, int capacity, int retentionDays, long maxRows);

    [LoggerMessage(401, LogLevel.Warning, "span store: the queue was full, {Dropped} spans dropped so far")]
    public static partial void Dropping(ILogger logger, long dropped);

    [LoggerMessage(402, LogLevel.Error, "span store: writing {Count} spans failed; they are lost")]
    public static partial void WriteFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(403, LogLevel.Information, "span store: retention deleted {Deleted} spans")]
    public static partial void Retained(ILogger logger, long deleted);

    [LoggerMessage(404, LogLevel.Error, "span store: retention failed")]
    public static partial void RetentionFailed(ILogger logger, Exception exception);

    [LoggerMessage(405, LogLevel.Error, "span store: a span could not be converted and was dropped")]
    public static partial void ConvertFailed(ILogger logger, Exception exception);

    [LoggerMessage(406, LogLevel.Error, "span query failed")]
    public static partial void QueryFailed(ILogger logger, Exception exception);

    [LoggerMessage(407, LogLevel.Warning, "span store: shutdown: {Count} spans still queued were not written")]
    public static partial void AbandonedAtShutdown(ILogger logger, long count);

    [LoggerMessage(408, LogLevel.Warning, "span store: shutdown: the writer is still inside a statement after {Seconds} s; it closes the file when that returns")]
    public static partial void WriterStillBusy(ILogger logger, double seconds);

    [LoggerMessage(409, LogLevel.Information, "span store: closed: {Written} spans written, {Dropped} dropped (queue full or shutdown), {Failed} failed")]
    public static partial void Closed(ILogger logger, long written, long dropped, long failed);

    [LoggerMessage(415, LogLevel.Critical, "span store: the writer stopped on an unexpected error; spans are no longer stored")]
    public static partial void WriterFailed(ILogger logger, Exception exception);

    [LoggerMessage(416, LogLevel.Warning, "span store {Path}: its schema version {Old} is older than this gateway's ({New}); it was moved to {Moved} and an empty store started (delete that file when its spans are no longer needed)")]
    public static partial void OlderSchemaMoved(ILogger logger, string path, int old, int @new, string moved);

    [LoggerMessage(411, LogLevel.Information, "span query stopped after {Ms} ms: the client went away")]
    public static partial void QueryAbandoned(ILogger logger, long ms);

    [LoggerMessage(412, LogLevel.Warning, "span query stopped after {Ms} ms: over span_store.query_timeout_ms ({TimeoutMs} ms)")]
    public static partial void QueryTimedOut(ILogger logger, long ms, long timeoutMs);
}
