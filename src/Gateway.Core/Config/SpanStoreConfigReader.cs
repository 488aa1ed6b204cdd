using YamlDotNet.RepresentationModel;

namespace Gateway.Config;

/// <summary>Reads <c>span_store: {enabled, path, retention_days, max_rows, queue_capacity, sampling, page_token_key, query_timeout_ms, query_workers, allow_anonymous_remote}</c>.</summary>
internal static class SpanStoreConfigReader
{
    private static readonly string[] s_fields = ["enabled", "path", "retention_days", "max_rows", "queue_capacity", "sampling", "page_token_key", "query_timeout_ms", "query_workers", "allow_anonymous_remote"];

    public static SpanStoreConfig Read(YamlReader r, YamlNode node, string path)
    {
        var defaults = new SpanStoreConfig();
        bool enabled = defaults.Enabled;
        string storePath = defaults.Path;
        int retentionDays = defaults.RetentionDays, queue = defaults.QueueCapacity;
        int queryTimeout = defaults.QueryTimeoutMs, queryWorkers = defaults.QueryWorkers;
        var allowAnonymousRemote = defaults.AllowAnonymousRemote;
        long maxRows = defaults.MaxRows;
        string? key = null;
        var sampling = defaults.Sampling;
        r.Fields(node, path, s_fields, (k, value, p) =>
        {
            switch (k)
            {
                case "enabled": enabled = r.Bool(value, p) ?? enabled; break;
                case "path":
                    var s = r.String(value, p);
                    if (string.IsNullOrWhiteSpace(s)) r.Error(value, p, "must not be empty");
                    else storePath = s;
                    break;
                case "retention_days": retentionDays = r.Int(value, p, 0, 36_500) ?? retentionDays; break;
                case "max_rows": maxRows = r.Long(value, p, 0, long.MaxValue) ?? maxRows; break;
                // 16 is enough for a test; 4M spans of a few KB each is already gigabytes of RAM.
                case "queue_capacity": queue = r.Int(value, p, 16, 4_194_304) ?? queue; break;
                case "sampling":
                    switch (r.String(value, p))
                    {
                        case "all": sampling = SpanStoreSampling.All; break;
                        case "sampled": sampling = SpanStoreSampling.Sampled; break;
                        case null: break;
                        case var other: r.Error(value, p, $"expected all or sampled, got '{other}'"); break;
                    }
                    break;
                case "page_token_key":
                    key = r.String(value, p);
                    // 16 characters: an HMAC key shorter than that is guessable.
                    if (key is { Length: > 0 and < 16 }) r.Error(value, p, "must be at least 16 characters (or left out for a random key per process)");
                    if (key is { Length: 0 }) key = null;
                    break;
                // Ten minutes at most: a query is an interactive read, not a batch job.
                case "query_timeout_ms": queryTimeout = r.Int(value, p, 1, 600_000) ?? queryTimeout; break;
                // Each thread holds a read connection and can keep a core busy.
                case "query_workers": queryWorkers = r.Int(value, p, 1, 32) ?? queryWorkers; break;
                case "allow_anonymous_remote": allowAnonymousRemote = r.Bool(value, p) ?? allowAnonymousRemote; break;
            }
        });
        return new SpanStoreConfig
        {
            Enabled = enabled,
            Path = storePath,
            RetentionDays = retentionDays,
            MaxRows = maxRows,
            QueueCapacity = queue,
            Sampling = sampling,
            PageTokenKey = key,
            QueryTimeoutMs = queryTimeout,
            QueryWorkers = queryWorkers,
            AllowAnonymousRemote = allowAnonymousRemote,
        };
    }
}
