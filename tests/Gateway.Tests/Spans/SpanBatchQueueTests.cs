using Gateway.Spans;

namespace Gateway.Tests.Spans;

/// <summary>The hand-over between the span store's encoder and writer: bounded, cancellable, ends when completed.</summary>
public sealed class SpanBatchQueueTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_full_queue_takes_the_next_batch_once_one_is_taken()
    {
        var queue = new SpanBatchQueue(capacity: 1);
        SpanBatch first = new(), second = new();
        queue.Add(first);

        var adding = Task.Run(() => queue.Add(second));
        Assert.Same(first, queue.Take(CancellationToken.None));
        await adding.WaitAsync(Deadline);
        Assert.Same(second, queue.Take(CancellationToken.None));
    }

    [Fact]
    public async Task A_take_waits_for_a_batch_added_later()
    {
        var queue = new SpanBatchQueue();
        var batch = new SpanBatch();
        var taking = Task.Run(() => queue.Take(CancellationToken.None));
        queue.Add(batch);
        Assert.Same(batch, await taking.WaitAsync(Deadline));
    }

    [Fact]
    public async Task Cancelling_ends_a_waiting_take_and_a_waiting_add()
    {
        var queue = new SpanBatchQueue(capacity: 1);
        using var cts = new CancellationTokenSource();
        var taking = Task.Run(() => queue.Take(cts.Token));
        queue.Add(new SpanBatch());
        var took = await taking.WaitAsync(Deadline);

        queue.Add(took);
        var adding = Task.Run(() => queue.Add(new SpanBatch(), cts.Token));
        cts.Cancel();
        await Assert.ThrowsAsync<OperationCanceledException>(() => adding.WaitAsync(Deadline));
        Assert.Throws<OperationCanceledException>(() => new SpanBatchQueue().Take(cts.Token));
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public async Task The_consumer_gets_every_batch_then_ends_when_adding_is_complete()
    {
        var queue = new SpanBatchQueue(capacity: 1);
        var consumed = Task.Run(() => queue.GetConsumingEnumerable().ToList());
        List<SpanBatch> sent = [new(), new(), new()];
        foreach (var b in sent) queue.Add(b);
        queue.CompleteAdding();

        Assert.Equal(sent, await consumed.WaitAsync(Deadline));
        Assert.Throws<InvalidOperationException>(() => queue.Add(new SpanBatch()));
    }
}
