using System.Diagnostics;
using Gateway.Tracing;
using OpenTelemetry.Trace;

namespace Gateway.Tests.Tracing;

/// <summary>The export sampler decides "sampled"; with the store keeping all, what it drops is still recorded.</summary>
public sealed class RecordingSamplerTests
{
    private static SamplingParameters Parameters(ActivityTraceFlags? parentFlags = null)
    {
        var traceId = ActivityTraceId.CreateRandom();
        var parent = parentFlags is { } flags ? new ActivityContext(traceId, ActivitySpanId.CreateRandom(), flags, "vendor=abc", isRemote: true) : default;
        return new SamplingParameters(parent, traceId, "chatCompletions", ActivityKind.Server);
    }

    [Fact]
    public void A_dropped_span_is_recorded_only_when_the_store_keeps_all()
    {
        Assert.Equal(SamplingDecision.RecordOnly, new RecordingSampler(new AlwaysOffSampler(), recordDropped: true).ShouldSample(Parameters()).Decision);
        Assert.Equal(SamplingDecision.Drop, new RecordingSampler(new AlwaysOffSampler(), recordDropped: false).ShouldSample(Parameters()).Decision);
    }

    [Fact]
    public void A_sampled_span_stays_sampled()
    {
        Assert.Equal(SamplingDecision.RecordAndSample, new RecordingSampler(new AlwaysOnSampler(), recordDropped: true).ShouldSample(Parameters()).Decision);
    }

    [Fact]
    public void The_parent_still_decides_for_parent_based_samplers()
    {
        var sampler = new RecordingSampler(new ParentBasedSampler(new AlwaysOnSampler()), recordDropped: true);
        Assert.Equal(SamplingDecision.RecordOnly, sampler.ShouldSample(Parameters(ActivityTraceFlags.None)).Decision);
        Assert.Equal(SamplingDecision.RecordAndSample, sampler.ShouldSample(Parameters(ActivityTraceFlags.Recorded)).Decision);
    }
}
