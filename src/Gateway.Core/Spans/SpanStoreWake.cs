namespace Gateway.Spans;

/// <summary>
/// Wakes the span store's encoder thread when spans come to an idle store. While spans keep coming the
/// encoder naps (<see cref="SpanStoreEncoder"/>) and nobody signals it: an enqueue then costs a fence and a
/// read. Waiting on the channel instead (<c>WaitToReadAsync</c> + <c>Task.Wait</c>) spun before blocking
/// and woke the encoder through a thread-pool hop for every span: a twentieth of the gateway's CPU at
/// saturation (bench/load/RESULTS.md, issue #11).
/// </summary>
internal sealed class SpanStoreWake
{
    // No spinning: the producers are request threads on the same cores. Nothing to dispose: the event's
    // kernel handle is made only when its WaitHandle is asked for, which this class never does.
    private readonly ManualResetEventSlim _event = new(false, spinCount: 0);
    private int _sleeping;

    /// <summary>After an item was queued: wakes the encoder if it sleeps until signalled.</summary>
    public void Notify()
    {
        // The queued item must be visible before the flag is read (the sleeper sets the flag, then looks).
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _sleeping) != 0 && Interlocked.Exchange(ref _sleeping, 0) != 0) _event.Set();
    }

    /// <summary>
    /// Sleeps until <see cref="Notify"/>, <paramref name="timeout"/> or <paramref name="token"/>, unless
    /// <paramref name="ready"/> finds work once the flag is up (it came between the last look and now).
    /// </summary>
    public void Sleep(TimeSpan timeout, Func<bool> ready, CancellationToken token)
    {
        _event.Reset();
        Interlocked.Exchange(ref _sleeping, 1);
        try
        {
            if (!ready()) _event.Wait(timeout, token);
        }
        catch (OperationCanceledException)
        {
            // The store stops: the caller looks at the token.
        }
        finally
        {
            Volatile.Write(ref _sleeping, 0);
        }
    }
}
