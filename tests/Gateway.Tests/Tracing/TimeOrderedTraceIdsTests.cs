using System.Diagnostics;
using Gateway.Tracing;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry.Trace;

namespace Gateway.Tests.Tracing;

/// <summary>Trace ids the gateway starts: time first (the span store's index grows at its end), random after; the ratio sampler reads the random half.</summary>
public sealed class TimeOrderedTraceIdsTests
{
    private static readonly DateTimeOffset Noon = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_first_six_bytes_are_the_unix_milliseconds_and_the_rest_is_random()
    {
        var time = new FakeTimeProvider(Noon);
        var ids = new TimeOrderedTraceIds(time);

        var a = ids.Next().ToHexString();
        var b = ids.Next().ToHexString();

        Assert.Equal(Noon.ToUnixTimeMilliseconds(), Convert.ToInt64(a[..12], 16));
        Assert.Equal(a[..12], b[..12]);
        Assert.NotEqual(a[12..], b[12..]);
    }

    [Fact]
    public void Ids_sort_by_time_in_their_first_eight_bytes()
    {
        var time = new FakeTimeProvider(Noon);
        var ids = new TimeOrderedTraceIds(time);
        var keys = new List<string>();
        for (var i = 0; i < 100; i++)
        {
            keys.Add(ids.Next().ToHexString()[..12]);
            time.Advance(TimeSpan.FromMilliseconds(1));
        }
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
        Assert.Equal(100, keys.Distinct().Count());
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.25)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void The_ratio_sampler_samples_one_trace_in_n_of_ids_made_in_the_same_millisecond(double ratio)
    {
        // .NET's TraceIdRatioBasedSampler reads the first 8 bytes: with one millisecond's ids it would take all or none.
        var ids = new TimeOrderedTraceIds(new FakeTimeProvider(Noon));
        var sampler = new RatioSampler(ratio);
        const int n = 20_000;
        var sampled = 0;
        for (var i = 0; i < n; i++)
        {
            var id = ids.Next();
            var decision = sampler.ShouldSample(new SamplingParameters(default, id, "chatCompletions", ActivityKind.Server)).Decision;
            if (decision == SamplingDecision.RecordAndSample) sampled++;
        }
        Assert.InRange(sampled / (double)n, ratio - 0.02, ratio + 0.02);
    }

    [Fact]
    public void The_ratio_sampler_decides_by_the_right_half_of_the_id()
    {
        var sampler = new RatioSampler(0.5);
        // Right half 0x00...: below any bound; 0xff...: above every bound but 1.
        Assert.True(sampler.Sampled(ActivityTraceId.CreateFromString("ffffffffffffffff0000000000000001")));
        Assert.False(sampler.Sampled(ActivityTraceId.CreateFromString("0000000000000001ffffffffffffffff")));
        Assert.True(new RatioSampler(1).Sampled(ActivityTraceId.CreateFromString("0000000000000001ffffffffffffffff")));
        Assert.False(new RatioSampler(0).Sampled(ActivityTraceId.CreateFromString("ffffffffffffffff0000000000000001")));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RatioSampler(1.5));
    }
}
