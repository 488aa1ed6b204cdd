using Gateway.Config;
using StackExchange.Redis;

namespace Gateway.Limits.Redis;

/// <summary>
/// Token buckets in Redis (<c>limits_store: redis</c>), the same GCRA as <see cref="TokenBucket"/> in one key per
/// bucket, changed only by Lua scripts (atomic), on Redis's clock (<c>TIME</c>) so replicas with skewed clocks
/// agree. Keys expire one period after their last change: an idle bucket is full again by then. The
/// multiplexer reconnects by itself; every call is bounded by <c>timeout_ms</c>.
/// </summary>
internal sealed class RedisBucketStore : IDisposable
{
    // Units of ms x limit/g as in TokenBucket; Redis's Lua numbers are doubles, exact to 2^53, so time counts
    // from 2025-12-01 (1764547200 s), not 1970: a century of ms times limit/g up to 2,800 stays exact.
    private const string Take = """
        local t = redis.call('TIME')
        local upm = tonumber(ARGV[1])
        local now = ((tonumber(t[1]) - 1764547200) * 1000 + math.floor(tonumber(t[2]) / 1000)) * upm
        local upt = tonumber(ARGV[2])
        local window = tonumber(ARGV[3])
        local need = tonumber(ARGV[4])
        local want = tonumber(ARGV[5])
        local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
        if tat < now then tat = now end
        local avail = math.floor((window - (tat - now)) / upt)
        if avail < need then
          return {0, math.max(avail, 0), tat - now, tat + need * upt - now - window}
        end
        local grant = math.min(want, avail)
        tat = tat + grant * upt
        redis.call('SET', KEYS[1], tostring(tat), 'PX', ARGV[6])
        return {grant, avail - grant, tat - now, 0}
        """;

    private const string Adjust = """
        local t = redis.call('TIME')
        local upm = tonumber(ARGV[1])
        local now = ((tonumber(t[1]) - 1764547200) * 1000 + math.floor(tonumber(t[2]) / 1000)) * upm
        local delta = tonumber(ARGV[2])
        local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
        if delta > 0 then
          if tat < now then tat = now end
          tat = tat + delta
        else
          if tat <= now then return 0 end
          tat = math.max(tat + delta, now)
        end
        redis.call('SET', KEYS[1], tostring(tat), 'PX', ARGV[3])
        return 1
        """;

    private readonly ConnectionMultiplexer _redis;
    private readonly string _prefix;

    public RedisBucketStore(LimitsStoreConfig config)
    {
        var options = ConfigurationOptions.Parse(config.Url!);
        // Start without Redis and reconnect in the background: a replica must come up (and fail open or closed) while Redis is down.
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = config.TimeoutMs;
        options.AsyncTimeout = config.TimeoutMs;
        options.SyncTimeout = config.TimeoutMs;
        options.ConnectRetry = 1;
        // Reconnect attempts once a second for as long as Redis is away (the default backs off exponentially, to 10 s
        // between attempts): shared limits come back within about a second of Redis (SharedLimitTests).
        options.ReconnectRetryPolicy = new LinearRetry(1000);
        _redis = ConnectionMultiplexer.Connect(options);
        _prefix = config.KeyPrefix;
        Timeout = TimeSpan.FromMilliseconds(config.TimeoutMs);
        LeasePercent = config.LeasePercent;
        FailClosed = config.FailMode == LimitsFailMode.Closed;
    }

    public TimeSpan Timeout { get; }
    public int LeasePercent { get; }
    public bool FailClosed { get; }

    /// <summary><c>key_prefix</c>: every key of this gateway starts with it.</summary>
    public string Prefix => _prefix;

    public string KeyOf(string ruleId, string key) => _prefix + "rl:" + ruleId + ":" + key;

    /// <summary>Takes between <paramref name="need"/> and <paramref name="want"/> tokens if at least <paramref name="need"/> are there.</summary>
    public async Task<(long Granted, long Remaining, long ResetUnits, long RetryUnits)> TakeAsync(string key, BucketShape shape, long need, long want)
    {
        var result = await Bounded(() => _redis.GetDatabase().ScriptEvaluateAsync(Take, [key],
            [shape.UnitsPerMs, shape.UnitsPerToken, shape.Window, need, want, shape.PeriodMs])).ConfigureAwait(false);
        var values = (long[])result!;
        return (values[0], values[1], values[2], values[3]);
    }

    /// <summary>Gives back (negative) or takes without a check (positive) <paramref name="tokens"/>.</summary>
    public Task AdjustAsync(string key, BucketShape shape, long tokens) =>
        Bounded(() => _redis.GetDatabase().ScriptEvaluateAsync(Adjust, [key], [shape.UnitsPerMs, tokens * shape.UnitsPerToken, shape.PeriodMs]));

    /// <summary>A budget script (<see cref="RedisBudgets"/>), under the same timeout and back-off.</summary>
    public Task<RedisResult> EvalAsync(string script, RedisKey[] keys, RedisValue[] values) =>
        Bounded(() => _redis.GetDatabase().ScriptEvaluateAsync(script, keys, values));

    public string BudgetKeyOf(string ruleId, string key, DateTimeOffset periodStart) =>
        _prefix + "bg:" + ruleId + ":" + key + ":" + periodStart.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The multiplexer's own timeouts cover a connected server; this also covers a command queued while it
    /// reconnects. After a failure, calls fail at once for <see cref="Backoff"/> (the fail mode applies without
    /// each request waiting out the timeout); then the next call tries again.
    /// </summary>
    private async Task<T> Bounded<T>(Func<Task<T>> call)
    {
        if (Environment.TickCount64 < Volatile.Read(ref _downUntil)) throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "limits store marked down after a failure; retrying shortly");
        try
        {
            return await call().WaitAsync(Timeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or RedisException)
        {
            Volatile.Write(ref _downUntil, Environment.TickCount64 + (long)Backoff.TotalMilliseconds);
            if (e is RedisException) throw;
            throw new RedisTimeoutException("limits store did not answer within " + Timeout.TotalMilliseconds + " ms", CommandStatus.Unknown);
        }
    }

    /// <summary>Calls that failed or timed out (the fail mode applied, or a write-back is retried), since start.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Requests the fail-open fallback (this replica's own buckets and counters) decided.</summary>
    public long FailedOpen => Interlocked.Read(ref _failedOpen);

    /// <summary>Requests answered 503 because the store failed (fail_mode: closed).</summary>
    public long FailedClosed => Interlocked.Read(ref _failedClosed);

    public void CountFailure() => Interlocked.Increment(ref _failures);

    /// <summary>Counts a request the fail mode decided (and the failure behind it).</summary>
    public void CountFailMode()
    {
        Interlocked.Increment(ref _failures);
        if (FailClosed) Interlocked.Increment(ref _failedClosed);
        else Interlocked.Increment(ref _failedOpen);
    }

    private long _failures;
    private long _failedOpen;
    private long _failedClosed;

    /// <summary>How long a failed store is not asked again.</summary>
    public static readonly TimeSpan Backoff = TimeSpan.FromSeconds(1);

    private long _downUntil;

    public void Dispose() => _redis.Dispose();
}
