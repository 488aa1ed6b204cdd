using System.Collections.Concurrent;
using System.Text;
using Gateway.Config;
using Gateway.Proxy;
using Gateway.Routing;

namespace Gateway.Tests.Proxy;

/// <summary>
/// Issue #9 item 6: who returns the body's array, and when. A send must never read an array that went
/// back to the pool, whether it races the owner's release or outlives the request.
/// </summary>
public sealed class PooledContentTests : IDisposable
{
    private readonly Gateway.Providers.Upstream _upstream = new(new ProviderConfig { Name = "p", Kind = ProviderKind.Mock, Models = [] });

    public void Dispose() => _upstream.Dispose();

    [Fact]
    public void Sends_racing_the_owners_release_never_read_a_recycled_array()
    {
        // Each round, senders send the same content in a loop until it refuses, and the owner lets go
        // at a random moment in between: the release lands at every point of a send, including between
        // a send looking at the array and taking its reference.
        const int Senders = 3;
        const int Rounds = 2_000;
        using var barrier = new Barrier(Senders + 1);
        var errors = new ConcurrentQueue<Exception>();
        Round? round = null;
        var threads = Enumerable.Range(0, Senders).Select(_ => new Thread(() =>
        {
            for (var i = 0; i < Rounds; i++)
            {
                barrier.SignalAndWait();
                try
                {
                    var r = Volatile.Read(ref round)!;
                    while (r.Send())
                    {
                    }
                }
                catch (Exception e)
                {
                    errors.Enqueue(e);
                }
                barrier.SignalAndWait();
            }
        }) { IsBackground = true }).ToArray();
        foreach (var t in threads) t.Start();

        var random = new Random(9);
        int sent = 0, recycled = 0, wrongReturns = 0;
        for (var i = 0; i < Rounds; i++)
        {
            var r = new Round();
            Volatile.Write(ref round, r);
            barrier.SignalAndWait();
            Thread.SpinWait(random.Next(1, 2_000));
            r.Content.Release();
            barrier.SignalAndWait();
            // Counted, not asserted here: a failed assert would leave the senders waiting at the barrier.
            recycled += r.Probe.RecycledWrites;
            if (r.Pool.Returns(r.Array) != 1) wrongReturns++;
            sent += r.Sent;
        }
        foreach (var t in threads) Assert.True(t.Join(TimeSpan.FromSeconds(30)));
        Assert.Empty(errors);
        Assert.Equal(0, recycled);
        Assert.Equal(0, wrongReturns);
        Assert.True(sent > 0);
    }

    [Fact]
    public async Task Borrowed_body_stays_out_of_the_pool_while_a_send_runs()
    {
        var pool = new TrackingPool();
        var array = Encoding.UTF8.GetBytes("""{"model":"same","messages":[]}""");
        var body = new PooledBuffer(array, pool);
        Assert.True(RequestHead.TryRead(array, out var head, out _));
        var content = BodyRewriter.Rewrite(body, array.Length, in head, Target("same"), null);
        var probe = new SendProbe(pool, array, hold: true);

        var send = content.CopyToAsync(probe);
        await probe.Entered;
        // What the handler does when the upstream answered before reading the body: the attempt lets go
        // of the content, then the request ends and lets go of the body.
        content.Release();
        body.Release();
        // A second release by the owner must not take the send's reference.
        content.Release();
        Assert.Equal(0, pool.Returns(array));

        probe.Finish();
        await send;
        Assert.Equal(0, probe.RecycledWrites);
        Assert.Equal(1, pool.Returns(array));
    }

    [Fact]
    public async Task A_send_after_the_last_release_fails_without_touching_the_array()
    {
        var pool = new TrackingPool();
        var array = new byte[64];
        var content = Lent(pool, array);
        content.Release();
        var probe = new SendProbe(pool, array);

        var e = await Assert.ThrowsAsync<HttpRequestException>(() => content.CopyToAsync(probe));
        Assert.IsType<ObjectDisposedException>(e.InnerException);
        Assert.Equal(0, probe.RecycledWrites);
        Assert.Equal(1, pool.Returns(array));
    }

    [Fact]
    public void A_released_body_cannot_be_borrowed_again()
    {
        var pool = new TrackingPool();
        var array = new byte[16];
        var body = new PooledBuffer(array, pool);
        body.Release();
        Assert.False(body.TryAcquire());
        Assert.Throws<ObjectDisposedException>(() => new PooledContent(body, 16));
        Assert.Equal(1, pool.Returns(array));
    }

    private ModelTarget Target(string upstreamModel) => new(_upstream, new ModelConfig { Name = "x", UpstreamModel = upstreamModel });

    /// <summary>Content over a body from <paramref name="pool"/> that only the content holds (the request already let go).</summary>
    private static PooledContent Lent(TrackingPool pool, byte[] array)
    {
        var body = new PooledBuffer(array, pool);
        var content = new PooledContent(body, array.Length);
        body.Release();
        return content;
    }

    /// <summary>One race: a fresh content over a fresh pooled body, sent by several threads while the owner lets go.</summary>
    private sealed class Round
    {
        private int _sent;

        public Round()
        {
            Array = new byte[64];
            Content = Lent(Pool, Array);
            Probe = new SendProbe(Pool, Array);
        }

        public TrackingPool Pool { get; } = new();
        public byte[] Array { get; }
        public PooledContent Content { get; }
        public SendProbe Probe { get; }
        public int Sent => Volatile.Read(ref _sent);

        /// <returns>False once the content refuses: the send came after the last release, as it should.</returns>
        public bool Send()
        {
            try
            {
                Content.CopyToAsync(Probe).GetAwaiter().GetResult();
                Interlocked.Increment(ref _sent);
                return true;
            }
            catch (HttpRequestException e) when (e.InnerException is ObjectDisposedException)
            {
                return false;
            }
        }
    }
}
