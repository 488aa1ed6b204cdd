using System.Buffers;
using System.Text.Json;
using Gateway.Spans;

namespace Gateway.Tests.Spans;

/// <summary>The trace explorer's summary arithmetic: nearest-rank percentiles, sums, time buckets.</summary>
public sealed class SpanSummaryTests
{
    private const long Second = 1_000_000_000;

    [Fact]
    public void Percentiles_are_nearest_rank_and_sums_add_up()
    {
        var summary = new SpanSummary(0, 100 * Second);
        // Latencies 1..100 ms; TTFT on every other request (2, 4, ... 100 ms).
        for (var i = 1; i <= 100; i++)
        {
            summary.Add(new SpanSummaryRow((i - 1) * Second, i * 1_000_000L, Error: i % 10 == 0, TtftMs: i % 2 == 0 ? i : null, InputTokens: 3, OutputTokens: i, CostUsd: 0.001));
        }
        var json = Write(summary);
        Assert.Equal(100, json.GetProperty("requests").GetInt32());
        Assert.Equal(10, json.GetProperty("errors").GetInt32());
        Assert.Equal(50, json.GetProperty("latencyP50Ms").GetDouble());
        Assert.Equal(95, json.GetProperty("latencyP95Ms").GetDouble());
        // 50 values 2..100: rank ceil(0.5*50)=25 -> 50; rank ceil(0.95*50)=48 -> 96.
        Assert.Equal(50, json.GetProperty("ttftP50Ms").GetDouble());
        Assert.Equal(96, json.GetProperty("ttftP95Ms").GetDouble());
        Assert.Equal(300, json.GetProperty("inputTokens").GetInt64());
        Assert.Equal(5050, json.GetProperty("outputTokens").GetInt64());
        Assert.Equal(0.1, json.GetProperty("costUsd").GetDouble(), 9);
    }

    [Fact]
    public void Rows_fall_into_their_time_bucket_and_the_edges_into_the_first_and_last()
    {
        var summary = new SpanSummary(0, 30 * Second);
        summary.Add(Row(0));
        summary.Add(Row(Second + 1));
        summary.Add(Row(30 * Second));
        // Outside the window (a clock step): clamped, never lost.
        summary.Add(Row(-5 * Second));
        summary.Add(Row(40 * Second));
        var buckets = Write(summary).GetProperty("buckets").EnumerateArray().ToList();
        Assert.Equal(SpanSummary.Buckets, buckets.Count);
        Assert.Equal(2, buckets[0].GetProperty("requests").GetInt32());
        Assert.Equal(1, buckets[1].GetProperty("requests").GetInt32());
        Assert.Equal(2, buckets[^1].GetProperty("requests").GetInt32());
        Assert.Equal(JsonValueKind.Null, buckets[5].GetProperty("latencyP50Ms").ValueKind);
        Assert.Equal("1970-01-01T00:00:01.0000000Z", buckets[1].GetProperty("startTime").GetString());
    }

    private static SpanSummaryRow Row(long startNs) => new(startNs, 1_000_000, false, null, 0, 0, 0);

    private static JsonElement Write(SpanSummary summary)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer)) summary.Write(w);
        return JsonDocument.Parse(buffer.WrittenMemory).RootElement.Clone();
    }
}
