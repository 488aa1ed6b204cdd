using System.Diagnostics;
using Gateway.Tracing;
using OpenTelemetry;

namespace Gateway.Tests.Tracing;

public sealed class BoundedBatchExportProcessorTests : IDisposable
{
    // A source of its own: the gateway's is process-wide and other tests listen to it.
    private readonly ActivitySource _source = new("Gateway.Tests.Processor." + Guid.NewGuid().ToString("N"));
    private readonly ActivityListener _listener;

    public BoundedBatchExportProcessorTests()
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

    private Activity Ended(string name = "span")
    {
        var a = _source.StartActivity(name)!;
        a.Stop();
        return a;
    }

    private sealed class FakeExporter(Func<int, ExportResult>? result = null) : BaseExporter<Activity>
    {
        public readonly ManualResetEventSlim Gate = new(true);
        public readonly List<string> Exported = [];
        public int Batches;

        public override ExportResult Export(in Batch<Activity> batch)
        {
            Gate.Wait();
            var n = 0;
            lock (Exported)
            {
                foreach (var a in batch)
                {
                    Exported.Add(a.DisplayName);
                    n++;
                }
            }
            Interlocked.Increment(ref Batches);
            return result?.Invoke(n) ?? ExportResult.Success;
        }
    }

    [Fact]
    public void FullQueue_DropsAndCounts_WithoutBlockingTheCaller()
    {
        var exporter = new FakeExporter();
        exporter.Gate.Reset();
        var stats = new ExportStats(null, "test");
        using var processor = new BoundedBatchExportProcessor(exporter, maxQueueSize: 4, maxBatchSize: 2, scheduleDelayMs: 10, stats);

        // The exporter is stuck: the first batch is in flight, the queue fills, the rest is dropped.
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < 20; i++)
        {
            processor.OnEnd(Ended("s" + i));
            if (i == 1) SpinWait.SpinUntil(() => processor.Queued == 0, 2000);
        }
        sw.Stop();

        Assert.True(sw.ElapsedMilliseconds < 1000);
        Assert.Equal(4, processor.Queued);
        Assert.Equal(14, stats.DroppedSpans);
        exporter.Gate.Set();
        Assert.True(processor.ForceFlush(5000));
        Assert.Equal(6, stats.ExportedSpans);
        Assert.Equal(["s0", "s1", "s2", "s3", "s4", "s5"], exporter.Exported);
    }

    [Fact]
    public void ExportFailures_AreCounted()
    {
        var exporter = new FakeExporter(_ => ExportResult.Failure);
        var stats = new ExportStats(null, "test");
        using var processor = new BoundedBatchExportProcessor(exporter, 100, 10, 10, stats);

        for (var i = 0; i < 25; i++) processor.OnEnd(Ended());
        Assert.True(processor.ForceFlush(5000));

        Assert.Equal(25, stats.FailedSpans);
        Assert.Equal(0, stats.ExportedSpans);
        Assert.Equal(0, stats.DroppedSpans);
    }

    [Fact]
    public void FullBatch_IsExportedBeforeTheDelay()
    {
        var exporter = new FakeExporter();
        var stats = new ExportStats(null, "test");
        using var processor = new BoundedBatchExportProcessor(exporter, 100, 5, scheduleDelayMs: 60_000, stats);

        for (var i = 0; i < 5; i++) processor.OnEnd(Ended());

        Assert.True(SpinWait.SpinUntil(() => stats.ExportedSpans == 5, 5000));
    }

    [Fact]
    public void Shutdown_ExportsWhatIsQueued_AndAHungExporterIsCutOff()
    {
        var exporter = new FakeExporter();
        var stats = new ExportStats(null, "test");
        var processor = new BoundedBatchExportProcessor(exporter, 100, 50, 60_000, stats);
        for (var i = 0; i < 3; i++) processor.OnEnd(Ended());
        Assert.True(processor.Shutdown(5000));
        Assert.Equal(3, stats.ExportedSpans);
        processor.Dispose();

        var hung = new FakeExporter();
        hung.Gate.Reset();
        var hungStats = new ExportStats(null, "test");
        var stuck = new BoundedBatchExportProcessor(hung, 100, 1, 1, hungStats);
        stuck.OnEnd(Ended());
        stuck.OnEnd(Ended());
        var sw = Stopwatch.StartNew();
        Assert.False(stuck.Shutdown(200));
        Assert.True(sw.ElapsedMilliseconds < 3000);
        hung.Gate.Set();
    }

    [Fact]
    public void UnrecordedSpans_AndOtherGatewaysSpans_AreNotExported()
    {
        var exporter = new FakeExporter();
        var stats = new ExportStats(null, "test");
        var owner = new object();
        using var processor = new BoundedBatchExportProcessor(exporter, 100, 50, 60_000, stats, owner);

        var unrecorded = Ended();
        unrecorded.ActivityTraceFlags = ActivityTraceFlags.None;
        processor.OnEnd(unrecorded);
        var mine = _source.StartActivity("mine")!;
        mine.SetCustomProperty(TracingListener.OwnerProperty, owner);
        var child = _source.StartActivity("child")!;
        child.Stop();
        mine.Stop();
        var theirs = _source.StartActivity("theirs")!;
        theirs.SetCustomProperty(TracingListener.OwnerProperty, new object());
        theirs.Stop();
        processor.OnEnd(child);
        processor.OnEnd(mine);
        processor.OnEnd(theirs);
        Assert.True(processor.ForceFlush(5000));

        Assert.Equal(["child", "mine"], exporter.Exported);
    }
}
