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
    // Two fields hold all the state, so the object is no bigger than before it could borrow (the
    // allocation budget of RewriteModel_Typical). _refs: bit 0 is the owner's reference, and each send
    // in flight adds 2; the owner's release clears its bit once, however often it is called.
    private const int OwnerBit = 1;
    private const int SendRef = 2;

    private readonly int _length;
    /// <summary>The bytes and where they go back: an array of our own (rented from the shared pool) or the lending <see cref="PooledBuffer"/>; null once freed.</summary>
    private object? _source;
    private int _refs = OwnerBit;

    /// <summary>Content over its own copy, rented from <see cref="ArrayPool{T}.Shared"/> and returned there.</summary>
    public PooledContent(byte[] rented, int length)
    {
        _source = rented;
        _length = length;
        Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
    }

    /// <summary>Content over the body itself: holds a reference on it until the owner and every send let go.</summary>
    public PooledContent(PooledBuffer body, int length)
    {
        if (!body.TryAcquire()) throw new ObjectDisposedException(nameof(PooledBuffer));
        _source = body;
        _length = length;
        Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
    }

    /// <summary>The bytes sent. Only for the owner, until it calls <see cref="Release"/>.</summary>
    public ReadOnlyMemory<byte> Memory => Volatile.Read(ref _source) is null ? default : Array.AsMemory(0, _length);

    /// <summary>Only while holding a reference.</summary>
    private byte[] Array => Volatile.Read(ref _source) switch
    {
        byte[] own => own,
        PooledBuffer lent => lent.Array,
        _ => throw new ObjectDisposedException(nameof(PooledContent)),
    };

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        // The reference first, then the array: while it is held, nobody can return the array.
        if (!RefCount.TryAcquire(ref _refs, SendRef)) throw new ObjectDisposedException(nameof(PooledContent));
        try
        {
            await stream.WriteAsync(Array.AsMemory(0, _length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (Interlocked.Add(ref _refs, -SendRef) == 0) Free();
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
        var current = Volatile.Read(ref _refs);
        while ((current & OwnerBit) != 0)
        {
            var seen = Interlocked.CompareExchange(ref _refs, current & ~OwnerBit, current);
            if (seen == current)
            {
                if (current == OwnerBit) Free();
                return;
            }
            current = seen;
        }
    }

    private void Free()
    {
        switch (Interlocked.Exchange(ref _source, null))
        {
            case PooledBuffer lent: lent.Release(); break;
            case byte[] own: ArrayPool<byte>.Shared.Return(own); break;
        }
    }

    // Ownership is by reference count, not by HttpRequestMessage disposal.
    protected override void Dispose(bool disposing) { }
}
