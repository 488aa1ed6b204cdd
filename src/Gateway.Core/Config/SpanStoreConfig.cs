namespace Gateway.Config;

/// <summary>The <c>span_store:</c> section: the embedded SQLite span store behind the query API.</summary>
/// <param name="Enabled">On by default: the store "works out of the box on one machine" (issue #4).</param>
/// <param name="Path">The SQLite file; a relative path is resolved against the working directory, not the config file's folder (README, Span store).</param>
/// <param name="RetentionDays">Spans that started longer ago are deleted. 0 keeps them regardless of age.</param>
/// <param name="MaxRows">At most this many spans are kept; the oldest written go first. 0 means no limit.</param>
/// <param name="QueueCapacity">
/// Spans waiting for the writer; when full, new spans are dropped and counted, never waited for.
/// 16,384 finished activities of a few KB each bound the queue's memory to tens of MB, and are
/// about a second of the writer's sustained rate (bench/spans/RESULTS.md).
/// </param>
/// <param name="Sampling">Which requests are stored, beside the export sampler's choice; default all (see <see cref="SpanStoreSampling"/>).</param>
/// <param name="PageTokenKey">HMAC key for page tokens; null means a random key per process (tokens die with a restart).</param>
/// <param name="QueryTimeoutMs">
/// A query that runs longer is stopped and answered 504 <c>query_timeout</c>. The time counts from
/// the hand-off to the query threads, waiting included. Typical pages take milliseconds
/// (bench/spans/RESULTS.md); 5 s leaves room for week-long windows with attribute filters.
/// </param>
/// <param name="QueryWorkers">
/// Threads that run queries, each with its own read connection: the most queries that run at once.
/// A few more per thread may wait; beyond that a query is answered 429.
/// </param>
/// <param name="AllowAnonymousRemote">
/// With no API keys the query API's caller is the store's admin; off, only callers on this machine
/// get it (<see cref="Gateway.Spans.AnonymousQueryAccess"/>) and others get 403. No effect with keys.
/// </param>
internal sealed record SpanStoreConfig(
    bool Enabled = true,
    string Path = SpanStoreConfig.DefaultPath,
    int RetentionDays = 7,
    long MaxRows = 5_000_000,
    int QueueCapacity = 16_384,
    SpanStoreSampling Sampling = SpanStoreSampling.All,
    string? PageTokenKey = null,
    int QueryTimeoutMs = 5_000,
    int QueryWorkers = 2,
    bool AllowAnonymousRemote = false)
{
    public const string DefaultPath = "gateway-spans.db";

    /// <summary>Reports what is out of range; returns the section with an empty page token key read as none.</summary>
    public SpanStoreConfig Checked(ConfigErrors errors, string path)
    {
        if (string.IsNullOrWhiteSpace(Path)) errors.Add(path + ".path", "must not be empty");
        errors.Range(path + ".retention_days", RetentionDays, 0, 36_500);
        errors.Range(path + ".max_rows", MaxRows, 0, long.MaxValue);
        // 16 is enough for a test; 4M spans of a few KB each is already gigabytes of RAM.
        errors.Range(path + ".queue_capacity", QueueCapacity, 16, 4_194_304);
        // 16 characters: an HMAC key shorter than that is guessable.
        if (PageTokenKey is { Length: > 0 and < 16 }) errors.Add(path + ".page_token_key", "must be at least 16 characters (or left out for a random key per process)");
        // Ten minutes at most: a query is an interactive read, not a batch job.
        errors.Range(path + ".query_timeout_ms", QueryTimeoutMs, 1, 600_000);
        // Each thread holds a read connection and can keep a core busy.
        errors.Range(path + ".query_workers", QueryWorkers, 1, 32);
        return PageTokenKey is "" ? this with { PageTokenKey = null } : this;
    }
}
