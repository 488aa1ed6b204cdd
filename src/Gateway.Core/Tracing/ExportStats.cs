using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Gateway.Tracing;

/// <summary>
/// Counts what happened to ended spans: exported, failed to export (collector down or refusing), or dropped
/// because the queue was full. Counting is lock-free and safe on the request path; logging happens only in
/// <see cref="Report"/>, called from the export thread, at most once per interval so a dead collector
/// cannot flood the log.
/// </summary>
internal sealed class ExportStats(ILogger? logger, string endpoint, int reportIntervalMs = 30_000)
{
    private long _exported;
    private long _failed;
    private long _dropped;
    private long _reportedFailed;
    private long _reportedDropped;
    private long _lastReport;
    private string? _lastError;

    public long ExportedSpans => Interlocked.Read(ref _exported);
    public long FailedSpans => Interlocked.Read(ref _failed);
    public long DroppedSpans => Interlocked.Read(ref _dropped);

    public void Exported(int n) => Interlocked.Add(ref _exported, n);

    public void Failed(int n, string? error)
    {
        Interlocked.Add(ref _failed, n);
        if (error is not null) _lastError = error;
    }

    public void Dropped(long n = 1) => Interlocked.Add(ref _dropped, n);

    /// <summary>Logs failures and drops since the last report; the first problem is logged at once.</summary>
    public void Report(bool force = false)
    {
        if (logger is null) return;
        var failed = FailedSpans;
        var dropped = DroppedSpans;
        if (failed == _reportedFailed && dropped == _reportedDropped) return;
        var now = Stopwatch.GetTimestamp();
        var first = _reportedFailed == 0 && _reportedDropped == 0;
        if (!force && !first && Stopwatch.GetElapsedTime(_lastReport, now).TotalMilliseconds < reportIntervalMs) return;
        if (failed != _reportedFailed) TracingLog.ExportFailed(logger, failed - _reportedFailed, endpoint, failed, _lastError ?? "the collector refused or could not be reached");
        if (dropped != _reportedDropped) TracingLog.SpansDropped(logger, dropped - _reportedDropped, dropped);
        _reportedFailed = failed;
        _reportedDropped = dropped;
        _lastReport = now;
    }
}
