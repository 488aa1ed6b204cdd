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
    /// <summary>Which requests are stored, beside the export sampler's choice; default all (see <see cref="SpanStoreSampling"/>).</summary>
    public SpanStoreSampling Sampling { get; init; } = SpanStoreSampling.All;
    /// <summary>HMAC key for page tokens; null means a random key per process (tokens die with a restart).</summary>
    public string? PageTokenKey { get; init; }
    /// <summary>
    /// A query that runs longer is stopped and answered 504 <c>query_timeout</c>. The time counts from
    /// the hand-off to the query threads, waiting included. Typical pages take milliseconds
    /// (bench/spans/RESULTS.md); 5 s leaves room for week-long windows with attribute filters.
    /// </summary>
    public int QueryTimeoutMs { get; init; } = 5_000;
    /// <summary>
    /// Threads that run queries, each with its own read connection: the most queries that run at once.
    /// A few more per thread may wait; beyond that a query is answered 429.
    /// </summary>
    public int QueryWorkers { get; init; } = 2;
    /// <summary>
    /// With no API keys the query API's caller is the store's admin; off, only callers on this machine
    /// get it (<see cref="Gateway.Spans.AnonymousQueryAccess"/>) and others get 403. No effect with keys.
    /// </summary>
    public bool AllowAnonymousRemote { get; init; }
}
