namespace Gateway.Config;

/// <summary>The <c>span_store:</c> section: the embedded SQLite span store behind the query API.</summary>
internal sealed record SpanStoreConfig
{
    public const string DefaultPath = "gateway-spans.db";

    /// <summary>On by default: the store "works out of the box on one machine" (issue #4).</summary>
    public bool Enabled { get; init; } = true;
    /// <summary>The SQLite file; a relative path is resolved against the working directory, not the config file's folder (README, Span store).</summary>
    public string Path { get; init; } = DefaultPath;
    /// <summary>Spans that started longer ago are deleted. 0 keeps them regardless of age.</summary>
    public int RetentionDays { get; init; } = 7;
    /// <summary>At most this many spans are kept; the oldest written go first. 0 means no limit.</summary>
    public long MaxRows { get; init; } = 5_000_000;
    /// <summary>
    /// Spans waiting for the writer; when full, new spans are dropped and counted, never waited for.
    /// 16,384 finished activities of a few KB each bound the queue's memory to tens of MB, and are
    /// about a second of the writer's sustained rate (bench/spans/RESULTS.md).
    /// </summary>
    public int QueueCapacity { get; init; } = 16_384;
    /// <summary>HMAC key for page tokens; null means a random key per process (tokens die with a restart).</summary>
    public string? PageTokenKey { get; init; }
}
