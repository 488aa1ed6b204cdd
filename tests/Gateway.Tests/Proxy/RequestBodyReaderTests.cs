using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using Gateway.Proxy;

namespace Gateway.Tests.Proxy;

public sealed class RequestBodyReaderTests
{
    /// <summary>A pool that records what is rented and returned, so buffer sizes and leaks are observable.</summary>
    private sealed class RecordingPool : ArrayPool<byte>
    {
        private readonly ArrayPool<byte> _inner = Create();
        private int _outstanding;

        public ConcurrentQueue<int> Requested { get; } = new();
        public int Outstanding => Volatile.Read(ref _outstanding);

        public override byte[] Rent(int minimumLength)
        {
            Requested.Enqueue(minimumLength);
            Interlocked.Increment(ref _outstanding);
            return _inner.Rent(minimumLength);
        }

        public override void Return(byte[] array, bool clearArray = false)
        {
            Interlocked.Decrement(ref _outstanding);
            _inner.Return(array, clearArray);
        }
    }

    private static byte[] Bytes(int n) => [.. Enumerable.Range(0, n).Select(i => (byte)i)];

    [Fact]
    public async Task ABigDeclaredLength_WithFewBytes_RentsOnlyASmallBuffer()
    {
        var pool = new RecordingPool();
        const long declared = 10 * 1024 * 1024;

        var body = await RequestBodyReader.ReadAsync(new MemoryStream(Bytes(10)), declared, 16 * 1024 * 1024, pool, default);

        Assert.False(body.TooLarge);
        Assert.Equal(Bytes(10), body.Buffer.AsSpan(0, body.Length).ToArray());
        Assert.All(pool.Requested, size => Assert.True(size <= RequestBodyReader.InitialBufferBytes, $"rented {size} bytes for 10"));
        Assert.Equal(1, pool.Outstanding);
    }

    [Fact]
    public async Task NothingIsRented_UntilTheFirstByteArrives()
    {
        var pool = new RecordingPool();
        var pipe = new Pipe();

        var reading = RequestBodyReader.ReadAsync(pipe.Reader.AsStream(), 1_000_000, 2_000_000, pool, default).AsTask();
        await Task.Yield();
        Assert.False(reading.IsCompleted);
        Assert.Empty(pool.Requested);

        await pipe.Writer.WriteAsync(Bytes(5));
        await pipe.Writer.CompleteAsync();
        var body = await reading.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(5, body.Length);
        Assert.All(pool.Requested, size => Assert.True(size <= RequestBodyReader.InitialBufferBytes));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(300_000L)]
    public async Task TheBuffer_GrowsWithTheBytes_AndEveryOutgrownOneGoesBack(long? declared)
    {
        var pool = new RecordingPool();
        var data = Bytes(300_000);

        var body = await RequestBodyReader.ReadAsync(new MemoryStream(data), declared, 1024 * 1024, pool, default);

        Assert.Equal(data, body.Buffer.AsSpan(0, body.Length).ToArray());
        var sizes = pool.Requested.ToList();
        Assert.Equal(RequestBodyReader.InitialBufferBytes, sizes[0]);
        Assert.All(sizes.Zip(sizes.Skip(1)), pair => Assert.True(pair.Second <= 2 * pair.First));
        Assert.True(sizes[^1] <= 2 * 300_000);
        Assert.Equal(1, pool.Outstanding);
    }

    [Fact]
    public async Task ADeclaredLength_StopsTheReadThere_WithoutGrowingForTheEnd()
    {
        var pool = new RecordingPool();

        var body = await RequestBodyReader.ReadAsync(new MemoryStream(Bytes(RequestBodyReader.InitialBufferBytes)), RequestBodyReader.InitialBufferBytes, 1024 * 1024, pool, default);

        Assert.Equal(RequestBodyReader.InitialBufferBytes, body.Length);
        Assert.Single(pool.Requested);
    }

    [Fact]
    public async Task MoreThanTheLimit_IsTooLarge_ReadingOneBytePastIt_AndHoldingNothing()
    {
        var pool = new RecordingPool();
        var stream = new MemoryStream(Bytes(5000));

        var body = await RequestBodyReader.ReadAsync(stream, null, 2048, pool, default);

        Assert.True(body.TooLarge);
        Assert.Null(body.Buffer);
        Assert.Equal(2049, stream.Position);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public async Task AFailingStream_ReturnsTheBuffer()
    {
        var pool = new RecordingPool();

        await Assert.ThrowsAsync<IOException>(async () => await RequestBodyReader.ReadAsync(new FailingStream(), null, 1024 * 1024, pool, default));

        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public async Task ALimitPastWhatAnArrayHolds_IsRefused()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await RequestBodyReader.ReadAsync(new MemoryStream(), null, 4L << 30, ArrayPool<byte>.Shared, default));
    }

    /// <summary>Gives 100 bytes, then fails as a reset connection does.</summary>
    private sealed class FailingStream : Stream
    {
        private int _reads;

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (count == 0) return 0;
            if (_reads++ > 0) throw new IOException("connection reset");
            return Math.Min(count, 100);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
