using System.Text.Json;

namespace Gateway.Spans;

/// <summary>
/// What the trace explorer's summary strip shows for a window: request count, errors, latency and TTFT
/// percentiles, tokens and cost, overall and per time bucket. Built from one row per request.
/// </summary>
internal sealed class SpanSummary
{
    public const int Buckets = 30;

    private readonly long _startNs;
    private readonly long _bucketNs;
    private readonly Stats _total = new();
    private readonly Stats[] _buckets = new Stats[Buckets];

    public SpanSummary(long startNs, long endNs)
    {
        _startNs = startNs;
        // Ceiling division: the last bucket ends at or after endNs.
        _bucketNs = Math.Max(1, (endNs - startNs + Buckets) / Buckets);
        for (var i = 0; i < Buckets; i++) _buckets[i] = new Stats();
    }

    /// <summary>More requests matched than were read (the window is summarised from its first rows).</summary>
    public bool Truncated { get; set; }

    public void Add(in SpanSummaryRow row)
    {
        _total.Add(row);
        var i = (int)Math.Clamp((row.StartNs - _startNs) / _bucketNs, 0, Buckets - 1);
        _buckets[i].Add(row);
    }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        _total.WriteFields(w);
        w.WriteBoolean("truncated"u8, Truncated);
        w.WriteNumber("bucketMs"u8, _bucketNs / 1_000_000.0);
        w.WriteStartArray("buckets"u8);
        for (var i = 0; i < Buckets; i++)
        {
            w.WriteStartObject();
            w.WriteString("startTime"u8, UnixTime.ToIso(_startNs + i * _bucketNs));
            _buckets[i].WriteFields(w);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private sealed class Stats
    {
        private readonly List<double> _latencies = [];
        private readonly List<double> _ttfts = [];
        private long _errors;
        private long _inputTokens;
        private long _outputTokens;
        private double _cost;

        public void Add(in SpanSummaryRow row)
        {
            _latencies.Add(row.DurationNs / 1_000_000.0);
            if (row.Error) _errors++;
            if (row.TtftMs is double ttft) _ttfts.Add(ttft);
            _inputTokens += row.InputTokens;
            _outputTokens += row.OutputTokens;
            _cost += row.CostUsd;
        }

        public void WriteFields(Utf8JsonWriter w)
        {
            w.WriteNumber("requests"u8, _latencies.Count);
            w.WriteNumber("errors"u8, _errors);
            _latencies.Sort();
            _ttfts.Sort();
            Percentile(w, "latencyP50Ms"u8, _latencies, 0.50);
            Percentile(w, "latencyP95Ms"u8, _latencies, 0.95);
            Percentile(w, "ttftP50Ms"u8, _ttfts, 0.50);
            Percentile(w, "ttftP95Ms"u8, _ttfts, 0.95);
            w.WriteNumber("inputTokens"u8, _inputTokens);
            w.WriteNumber("outputTokens"u8, _outputTokens);
            w.WriteNumber("costUsd"u8, Math.Round(_cost, 9));
        }

        /// <summary>Nearest rank on sorted values; null when there are none.</summary>
        private static void Percentile(Utf8JsonWriter w, ReadOnlySpan<byte> name, List<double> sorted, double p)
        {
            if (sorted.Count == 0)
            {
                w.WriteNull(name);
                return;
            }
            var rank = (int)Math.Ceiling(p * sorted.Count);
            w.WriteNumber(name, Math.Round(sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)], 3));
        }
    }
}
