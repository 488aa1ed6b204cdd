using System.Diagnostics;
using Gateway.Config;
using Gateway.Spans;

namespace Gateway.Tests.Spans;

/// <summary>
/// Issue #11: a span waits for its parent, so a request's spans are encoded in one batch (where the root
/// takes the model span's text), but never past a flush or <see cref="SpanBatchEncoder.MaxHold"/>.
/// </summary>
public sealed class SpanStoreBatchingTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly ActivitySource _source = new("Gateway.Tests.SpanStoreBatching");
    private readonly ActivityListener _listener;

    public SpanStoreBatchingTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s == _source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _source.Dispose();
    }

    [Fact]
    public async Task A_span_waits_for_its_running_parent_and_is_written_with_it()
    {
        await using var s = SpanTestStore.Open(time: new ManualTime(Start));
        var root = _source.StartActivity("chatCompletions", ActivityKind.Server, default(ActivityContext), startTime: Start)!;
        var model = Child(root, "a model span's text, long enough to go to the pool and be shared");
        Assert.True(s.Store.TryEnqueue(model));

        await Eventually.True(() => s.Store.Waiting == 1);
        Assert.Equal(0, s.Store.Written);

        root.SetTag("tfy.input", "a model span's text, long enough to go to the pool and be shared");
        root.Stop();
        Assert.True(s.Store.TryEnqueue(root));
        await Eventually.True(() => s.Store.Written == 2);

        Assert.Equal(0, s.Store.Waiting);
        // One batch: the root took the text from the model span.
        Assert.NotNull(Donor(s, root));
    }

    [Fact]
    public async Task A_span_whose_parent_does_not_come_is_written_after_max_hold()
    {
        var time = new ManualTime(Start);
        await using var s = SpanTestStore.Open(time: time);
        var root = _source.StartActivity("chatCompletions", ActivityKind.Server, default(ActivityContext), startTime: Start)!;
        Assert.True(s.Store.TryEnqueue(Child(root, "text")));
        await Eventually.True(() => s.Store.Waiting == 1);

        time.Now += SpanBatchEncoder.MaxHold;

        await Eventually.True(() => s.Store.Written == 1);
        Assert.Equal(0, s.Store.Waiting);
        root.Stop();
    }

    [Fact]
    public async Task A_flush_writes_the_spans_that_wait()
    {
        await using var s = SpanTestStore.Open(time: new ManualTime(Start));
        var root = _source.StartActivity("chatCompletions", ActivityKind.Server, default(ActivityContext), startTime: Start)!;
        Assert.True(s.Store.TryEnqueue(Child(root, "text")));

        await s.Store.FlushAsync();

        Assert.Equal(1, s.Store.Written);
        Assert.Equal(0, s.Store.Waiting);
        root.Stop();
    }

    /// <summary>A finished child of <paramref name="parent"/>, which is still running (the current activity: the parent a gateway span has).</summary>
    private Activity Child(Activity parent, string input)
    {
        Assert.Same(parent, Activity.Current);
        var child = _source.StartActivity("Model", ActivityKind.Internal, default(ActivityContext), startTime: Start.AddMilliseconds(1))!;
        child.SetTag("tfy.input", input);
        child.SetEndTime(Start.AddSeconds(1).UtcDateTime);
        child.Stop();
        return child;
    }

    private static long? Donor(SpanTestStore s, Activity a)
    {
        using var c = s.Store.OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT donor FROM spans WHERE span_id = $id";
        cmd.Parameters.AddWithValue("$id", Convert.FromHexString(a.SpanId.ToHexString()));
        return cmd.ExecuteScalar() is long d ? d : null;
    }
}
