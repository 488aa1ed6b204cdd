using System.Buffers;

namespace Gateway.Proxy;

/// <summary>
/// A pooled array with shared owners: the request body, held by the handler and by every upstream
/// content that sends it as is (<see cref="PooledContent"/> over an unchanged body). The array goes
/// back to its pool when the last owner lets go, so a send that outlives the request (an upstream
/// that answered before reading the whole body) never reads a recycled array.
/// </summary>
internal sealed class PooledBuffer
{
    private readonly ArrayPool<byte>? _pool;
    private byte[]? _array;
    private int _refs = 1;

    /// <param name="array">The array; the creator holds the first reference.</param>
    /// <param name="pool">Where the array goes back; null for an array no pool owns (tests, benchmarks).</param>
    public PooledBuffer(byte[] array, ArrayPool<byte>? pool)
    {
        _array = array;
        _pool = pool;
    }

    /// <summary>The array. Only for a caller that holds a reference.</summary>
    public byte[] Array => _array ?? throw new ObjectDisposedException(nameof(PooledBuffer));

    /// <summary>Takes another reference; false when the last one is already gone.</summary>
    public bool TryAcquire() => RefCount.TryAcquire(ref _refs);

    /// <summary>Drops one reference; the last one returns the array to the pool.</summary>
    public void Release()
    {
        if (!RefCount.Release(ref _refs)) return;
        var array = Interlocked.Exchange(ref _array, null);
        if (array is not null) _pool?.Return(array);
    }
}
