namespace Gateway.Spans;

/// <summary>
/// What a query thread's progress handler looks at: the running query's caller and deadline, and
/// shutdown. Only its own thread reads and writes it (SQLite calls the handler on the thread that
/// steps the statement), so nothing here needs a lock.
/// </summary>
internal sealed class SpanQueryGuard(TimeProvider time, CancellationToken stopping)
{
    private CancellationToken _cancel;
    private long _deadline = long.MaxValue;

    /// <summary>Why <see cref="ShouldStop"/> last said stop.</summary>
    public SpanQueryStopReason Reason { get; private set; }

    /// <summary>Arms the guard for a query; returns a reason when the query should not even start.</summary>
    public SpanQueryStopReason Begin(CancellationToken cancel, long deadline)
    {
        _cancel = cancel;
        _deadline = deadline;
        Reason = SpanQueryStopReason.None;
        ShouldStop();
        return Reason;
    }

    public void End()
    {
        _cancel = default;
        _deadline = long.MaxValue;
    }

    public bool ShouldStop()
    {
        if (stopping.IsCancellationRequested) Reason = SpanQueryStopReason.Shutdown;
        else if (_cancel.IsCancellationRequested) Reason = SpanQueryStopReason.CallerLeft;
        else if (time.GetTimestamp() >= _deadline) Reason = SpanQueryStopReason.TimedOut;
        else return false;
        return true;
    }
}
