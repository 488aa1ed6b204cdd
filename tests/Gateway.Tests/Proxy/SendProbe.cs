namespace Gateway.Tests.Proxy;

/// <summary>
/// The upstream side of a send: counts writes that saw their bytes already back in the pool, and can
/// hold a write open (a slow upstream) until the test lets it finish.
/// </summary>
internal sealed class SendProbe(TrackingPool pool, byte[] array, bool hold = false) : Stream
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _finish = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _recycledWrites;

    /// <summary>Writes that read an array the pool had already taken back.</summary>
    public int RecycledWrites => Volatile.Read(ref _recycledWrites);

    /// <summary>Completes when a held write is in progress.</summary>
    public Task Entered => _entered.Task;

    public void Finish() => _finish.TrySetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Check();
        if (hold)
        {
            _entered.TrySetResult();
            await _finish.Task.WaitAsync(cancellationToken);
        }
        Check();
    }

    private void Check()
    {
        if (pool.Returns(array) != 0) Interlocked.Increment(ref _recycledWrites);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, default).GetAwaiter().GetResult();
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
}
