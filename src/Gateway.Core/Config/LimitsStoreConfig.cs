using System.Text.Json.Serialization;

namespace Gateway.Config;

/// <summary>
/// <c>limits_store:</c> where rate limit buckets and budget counters live. <c>memory</c> (default): in this process. <c>redis</c>:
/// shared by every replica pointed at the same Redis; each replica leases slices of a bucket so the request
/// path rarely waits on Redis (docs/limits.md).
/// </summary>
/// <param name="Url">StackExchange.Redis configuration, e.g. <c>127.0.0.1:6379</c> or <c>redis:6379,password=...</c>.</param>
/// <param name="FailMode">When Redis does not answer: <c>open</c> falls back to this replica's own buckets (a warning); <c>closed</c> answers 503.</param>
/// <param name="TimeoutMs">The longest a request waits on Redis before the fail mode applies.</param>
/// <param name="LeasePercent">The slice of a bucket or budget a replica takes at a time, in percent of the limit (at least one token or nano-USD).</param>
/// <param name="KeyPrefix">Prefix of every key, so several gateways can share one Redis.</param>
internal sealed record LimitsStoreConfig(
    LimitsStoreType Type = LimitsStoreType.Memory,
    string? Url = null,
    LimitsFailMode FailMode = LimitsFailMode.Open,
    int TimeoutMs = 250,
    int LeasePercent = 5,
    string KeyPrefix = "gw:")
{
    public void Check(ConfigErrors errors, string path)
    {
        if (Type == LimitsStoreType.Redis && string.IsNullOrWhiteSpace(Url)) errors.Add(path + ".url", "required for type redis, e.g. 127.0.0.1:6379");
        errors.Range(path + ".timeout_ms", TimeoutMs, 10, 10_000);
        errors.Range(path + ".lease_percent", LeasePercent, 1, 50);
    }
}

[JsonConverter(typeof(JsonStringEnumConverter<LimitsStoreType>))]
internal enum LimitsStoreType
{
    Memory,
    Redis,
}

[JsonConverter(typeof(JsonStringEnumConverter<LimitsFailMode>))]
internal enum LimitsFailMode
{
    Open,
    Closed,
}
