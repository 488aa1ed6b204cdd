using System.Buffers;
using System.Net;

namespace Gateway.Proxy;

/// <summary>
/// A request body in a pooled array. The owner and every in-flight send hold a reference; the array
/// goes back to the pool only when the last lets go, so a send still running after the response
/// arrived (an early upstream answer) never reads a recycled buffer. Re-sendable, for retries.
/// </summary>
internal sealed class PooledContent : HttpContent
{
    private byte[]? _array;
    private readonly int _length;
    private readonly bool _pooled;
    private int _refs = 1;

    public PooledContent(byte[] array, int length, bool pooled)
    {
        _array = array;
        _length = length;
        _pooled = pooled;
        Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
    }

    public ReadOnlyMemory<byte> Memory => _array is null ? default : _array.AsMemory(0, _length);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var array = _array ?? throw new ObjectDisposedException(nameof(PooledContent));
        Interlocked.Increment(ref _refs);
        try
        {
            await stream.WriteAsync(array.AsMemory(0, _length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Release();
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = _length;
        return true;
    }

    /// <summary>Drops one reference; the last one returns the array to the pool.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _refs) != 0) return;
        var array = Interlocked.Exchange(ref _array, null);
        if (array is not null && _pooled) ArrayPool<byte>.Shared.Return(array);
    }

    // Ownership is by reference count, not by HttpRequestMessage disposal.
    protected override void Dispose(bool disposing) { }
}
