using System.Buffers;
using System.Net;

namespace Gateway.Proxy;

/// <summary>
/// A request body for upstream, re-sendable for retries: either its own pooled copy (a rewritten
/// body) or the client's body borrowed from a <see cref="PooledBuffer"/> (nothing to rewrite). The
/// owner and every in-flight send hold a reference; when the last lets go, the copy goes back to the
/// pool or the borrowed body gets its reference back. A send takes its reference before it touches
/// the array, and a send that comes after the last release fails instead of reading a recycled one.
/// </summary>
internal sealed class PooledContent : HttpContent
{
    private readonly int _length;
    private readonly ArrayPool<byte>? _pool;
    private readonly PooledBuffer? _lender;
    private byte[]? _array;
    private int _refs = 1;
    private int _ownerReleased;

    /// <summary>Content over its own copy, which goes back to <paramref name="pool"/> (null: no pool owns it).</summary>
    public PooledContent(byte[] array, int length, ArrayPool<byte>? pool)
    {
        _array = array;
        _length = length;
        _pool = pool;
        Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
    }

    /// <summary>Content over the body itself: holds a reference on it until the owner and every send let go.</summary>
    public PooledContent(PooledBuffer body, int length)
    {
        if (!body.TryAcquire()) throw new ObjectDisposedException(nameof(PooledBuffer));
        _lender = body;
        _array = body.Array;
        _length = length;
        Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
    }

    /// <summary>The bytes sent. Only for the owner, until it calls <see cref="Release"/>.</summary>
    public ReadOnlyMemory<byte> Memory => _array is null ? default : _array.AsMemory(0, _length);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        // The reference first, then the array: while it is held, nobody can return the array.
        if (!RefCount.TryAcquire(ref _refs)) throw new ObjectDisposedException(nameof(PooledContent));
        try
        {
            await stream.WriteAsync(_array!.AsMemory(0, _length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Drop();
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = _length;
        return true;
    }

    /// <summary>
    /// The owner lets go (once; a second call does nothing, so it can never take a running send's
    /// reference). Sends still in flight keep the bytes until they finish.
    /// </summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _ownerReleased, 1) == 0) Drop();
    }

    private void Drop()
    {
        if (!RefCount.Release(ref _refs)) return;
        var array = Interlocked.Exchange(ref _array, null);
        if (_lender is not null) _lender.Release();
        else if (array is not null) _pool?.Return(array);
    }

    // Ownership is by reference count, not by HttpRequestMessage disposal.
    protected override void Dispose(bool disposing) { }
}
