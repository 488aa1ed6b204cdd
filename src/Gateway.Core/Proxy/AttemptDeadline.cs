using System.Diagnostics;

namespace Gateway.Proxy;

/// <summary>
/// The request timeout and the time-to-first-token timeout of one upstream attempt, on one
/// cancellation source linked to the client's abort token. Before the first token the nearer of
/// the two is armed; after it, only the request timeout.
/// </summary>
internal sealed class AttemptDeadline : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly CancellationToken _clientAborted;
    private readonly long _startTimestamp;
    private readonly int _requestMs;
    private readonly int _ttftMs;
    private bool _ttftArmed;

    public AttemptDeadline(CancellationToken clientAborted, long startTimestamp, int requestMs, int ttftMs, bool stream)
    {
        _clientAborted = clientAborted;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(clientAborted);
        _startTimestamp = startTimestamp;
        _requestMs = requestMs;
        _ttftMs = stream ? ttftMs : 0;
        var first = Nearest(_requestMs, _ttftMs);
        _ttftArmed = _ttftMs > 0 && (_requestMs == 0 || _ttftMs < _requestMs);
        if (first > 0) _cts.CancelAfter(Math.Max(1, first - (int)Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds));
    }

    public CancellationToken Token => _cts.Token;

    public bool ClientAborted => _clientAborted.IsCancellationRequested;

    /// <summary>True when the token fired because a deadline passed (not because the client left).</summary>
    public bool TimedOut => _cts.IsCancellationRequested && !_clientAborted.IsCancellationRequested;

    public string WhichExpired => _ttftArmed ? "time to first token timeout" : "request timeout";

    public int ExpiredMs => _ttftArmed ? _ttftMs : _requestMs;

    /// <summary>The first token arrived: from now on only the request timeout applies.</summary>
    public void FirstToken()
    {
        if (!_ttftArmed || _cts.IsCancellationRequested) return;
        _ttftArmed = false;
        if (_requestMs == 0)
        {
            _cts.CancelAfter(Timeout.Infinite);
            return;
        }
        var remaining = _requestMs - (int)Stopwatch.GetElapsedTime(_startTimestamp).TotalMilliseconds;
        _cts.CancelAfter(Math.Max(1, remaining));
    }

    private static int Nearest(int a, int b) => a == 0 ? b : b == 0 ? a : Math.Min(a, b);

    public void Dispose() => _cts.Dispose();
}
