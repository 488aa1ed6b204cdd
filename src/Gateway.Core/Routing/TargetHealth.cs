using System.Diagnostics;
using Gateway.Config;
using Gateway.Proxy;

namespace Gateway.Routing;

/// <summary>
/// What the gateway has recently seen of one provider model, shared by every plan that targets it:
/// consecutive failures (a circuit breaker with a cool-down and a single probe afterwards) and moving
/// averages of time to first token (streams), latency (non-streams) and time per output token. Fed
/// by the proxy after each attempt; read lock-free by the load-balancing policies. Timestamps are
/// those of the injected <see cref="TimeProvider"/> (the routing table's), so cool-downs are testable
/// without waiting for them.
/// </summary>
internal sealed class TargetHealth
{
    private readonly TimeProvider _time;
    private readonly int _threshold;
    private readonly long _cooldownTicks;
    private int _failures;
    private long _lastFailure;
    private long _probeAt;
    private Ewma _ttft;
    private Ewma _latency;
    private Ewma _tpot;

    public TargetHealth(HealthOptions options, TimeProvider? time = null)
    {
        Options = options;
        _time = time ?? TimeProvider.System;
        _threshold = options.FailureThreshold;
        _cooldownTicks = options.CooldownMs * _time.TimestampFrequency / 1000;
    }

    public HealthOptions Options { get; }

    public long CooldownTicks => _cooldownTicks;

    /// <summary>Failing and inside its cool-down.</summary>
    public bool IsDown(long now) =>
        Volatile.Read(ref _failures) >= _threshold && now - Volatile.Read(ref _lastFailure) < _cooldownTicks;

    /// <summary>Failing, but the cool-down is over: the next request may probe it.</summary>
    public bool IsHalfOpen(long now) =>
        Volatile.Read(ref _failures) >= _threshold && now - Volatile.Read(ref _lastFailure) >= _cooldownTicks;

    /// <summary>
    /// Claims the one probe of a half-open target by restarting its cool-down: the winner sends one
    /// request; everyone else keeps passing it over until that request's outcome is known.
    /// </summary>
    public bool TryClaimRecoveryProbe(long now)
    {
        var last = Volatile.Read(ref _lastFailure);
        if (now - last < _cooldownTicks) return false;
        return Interlocked.CompareExchange(ref _lastFailure, now, last) == last;
    }

    /// <summary>The latency average for the request's mode is missing or older than the cool-down.</summary>
    public bool IsStale(bool stream, long now) => stream ? _ttft.IsStale(now, _cooldownTicks) : _latency.IsStale(now, _cooldownTicks);

    /// <summary>Claims a latency probe of a stale target (at most one per cool-down), so a recovered target is noticed.</summary>
    public bool TryClaimLatencyProbe(long now)
    {
        var last = Volatile.Read(ref _probeAt);
        if (last != 0 && now - last < _cooldownTicks) return false;
        return Interlocked.CompareExchange(ref _probeAt, now, last) == last;
    }

    /// <summary>Time to first token (streams) or latency (non-streams) in ms; NaN when unknown.</summary>
    public double Latency(bool stream) => stream ? _ttft.Value : _latency.Value;

    public double TimeToFirstTokenMs => _ttft.Value;
    public double TimePerOutputTokenMs => _tpot.Value;
    public int ConsecutiveFailures => Volatile.Read(ref _failures);

    /// <summary>Whether a fresh average is above a cut-off; stale numbers do not count, so the target gets retried.</summary>
    public bool BreaksSla(SlaCutoff sla, long now)
    {
        if (sla.TimePerOutputTokenMs is double tpot && !_tpot.IsStale(now, _cooldownTicks) && _tpot.Value > tpot) return true;
        if (sla.TimeToFirstTokenMs is double ttft && !_ttft.IsStale(now, _cooldownTicks) && _ttft.Value > ttft) return true;
        return false;
    }

    /// <summary>Records one finished attempt.</summary>
    public void Observe(Exchange exchange, Attempt attempt)
    {
        // When the outcome became known, on this health's clock; the attempt's own Stopwatch timestamps
        // only give durations.
        var now = _time.GetTimestamp();
        switch (attempt.Outcome)
        {
            case AttemptOutcome.Delivered:
                double? tpot = null;
                if (exchange.IsStream)
                {
                    var first = exchange.FirstTokenTimestamp;
                    if (first > attempt.StartTimestamp) _ttft.Add(Stopwatch.GetElapsedTime(attempt.StartTimestamp, first).TotalMilliseconds, now, _cooldownTicks);
                    tpot = exchange.InterTokenLatencyMs;
                }
                else
                {
                    var latency = attempt.LatencyMs;
                    _latency.Add(latency, now, _cooldownTicks);
                    if (exchange.Accumulator?.OutputTokens is long tokens && tokens > 0) tpot = latency / tokens;
                }
                if (tpot is double t) _tpot.Add(t, now, _cooldownTicks);
                RecordSuccess();
                break;
            case AttemptOutcome.UpstreamStatus:
                if (IsHealthFailure(attempt.UpstreamStatus)) RecordFailure(now);
                break;
            case AttemptOutcome.Unreachable or AttemptOutcome.TimedOut or AttemptOutcome.Interrupted:
                RecordFailure(now);
                break;
        }
    }

    /// <summary>For tests and for callers that measure on their own.</summary>
    public void RecordLatency(bool stream, double ms, long now)
    {
        if (stream) _ttft.Add(ms, now, _cooldownTicks); else _latency.Add(ms, now, _cooldownTicks);
        RecordSuccess();
    }

    public void RecordTimePerOutputToken(double ms, long now) => _tpot.Add(ms, now, _cooldownTicks);

    public void RecordSuccess()
    {
        if (Volatile.Read(ref _failures) != 0) Volatile.Write(ref _failures, 0);
    }

    public void RecordFailure(long now)
    {
        Volatile.Write(ref _lastFailure, now);
        Interlocked.Increment(ref _failures);
    }

    /// <summary>
    /// Statuses that say the target, not the request, is at fault: rate limits, server errors, and
    /// auth or not-found answers (a bad key or model name in the provider config).
    /// </summary>
    public static bool IsHealthFailure(int status) => status is 401 or 403 or 404 or 408 or 429 or >= 500;
}
