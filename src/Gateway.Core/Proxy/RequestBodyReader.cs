using System.Buffers;

namespace Gateway.Proxy;

/// <summary>
/// Reads a whole request body into one pooled array that grows with the bytes that arrive, never with
/// what Content-Length declares: a client that declares 10 MB and sends a trickle (or nothing) costs what
/// it sent, not 10 MB of the pool. A zero-byte read waits for the first byte before anything is rented
/// (STYLE.md 8), so a connection that has sent no body yet holds no buffer at all.
/// </summary>
internal static class RequestBodyReader
{
    /// <summary>The first buffer, at most: most chat bodies fit; larger ones double from here.</summary>
    public const int InitialBufferBytes = 16 * 1024;

    /// <summary>
    /// Reads to the end of <paramref name="body"/>, or until more than <paramref name="max"/> bytes arrived
    /// (<see cref="RequestBody.TooLarge"/>; the rest is left unread). On success the caller owns
    /// <see cref="RequestBody.Buffer"/> and returns it to <paramref name="pool"/>; otherwise, exceptions
    /// included, the buffer is already back in the pool.
    /// </summary>
    /// <param name="declared">The Content-Length, when given (already checked against <paramref name="max"/>): reading stops there.</param>
    public static async ValueTask<RequestBody> ReadAsync(Stream body, long? declared, long max, ArrayPool<byte> pool, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(max, Array.MaxLength - 1L);
        // One byte past the limit is how an over-long body shows itself.
        var capacity = Math.Min(declared ?? max + 1, max + 1);
        await body.ReadAsync(Memory<byte>.Empty, ct).ConfigureAwait(false);
        var buffer = pool.Rent((int)Math.Min(capacity, InitialBufferBytes));
        var total = 0;
        var owned = false;
        try
        {
            while (total < capacity)
            {
                if (total == buffer.Length)
                {
                    var bigger = pool.Rent((int)Math.Min((long)buffer.Length * 2, capacity));
                    buffer.AsSpan(0, total).CopyTo(bigger);
                    pool.Return(buffer);
                    buffer = bigger;
                }
                var n = await body.ReadAsync(buffer.AsMemory(total, (int)Math.Min(buffer.Length, capacity) - total), ct).ConfigureAwait(false);
                if (n == 0) break;
                total += n;
            }
            if (total > max) return new RequestBody(null, 0, TooLarge: true);
            owned = true;
            return new RequestBody(buffer, total, TooLarge: false);
        }
        finally
        {
            if (!owned) pool.Return(buffer);
        }
    }
}
