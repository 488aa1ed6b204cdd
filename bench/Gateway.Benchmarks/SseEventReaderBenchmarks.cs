using System.Buffers;
using BenchmarkDotNet.Attributes;
using Gateway.Streaming;

namespace Gateway.Benchmarks;

/// <summary>
/// <see cref="SseEventReader"/> framing one whole OpenAI stream (Payloads.StreamTokens + 4 events).
/// One operation is one stream: a new reader per stream, as <see cref="SsePump"/> does.
/// </summary>
[MemoryDiagnoser]
public class SseEventReaderBenchmarks
{
    private ReadOnlySequence<byte> _single;
    private ReadOnlySequence<byte> _split;
    private ReadOnlySequence<byte>[] _events = [];
    private ReadOnlySequence<byte>[] _halves = [];

    [GlobalSetup]
    public void Setup()
    {
        _single = new ReadOnlySequence<byte>(Payloads.Stream);
        // 61 bytes: a prime, so lines, "data:" prefixes and the LF LF terminators straddle segments.
        _split = Payloads.Segmented(Payloads.Stream, 61);
        _events = [.. Payloads.StreamEvents.Select(e => new ReadOnlySequence<byte>(e))];
        _halves = [.. Payloads.StreamEvents.Select(e => new ReadOnlySequence<byte>(e, 0, e.Length / 2))];
    }

    /// <summary>The whole stream in one buffer: a read that caught up with many events.</summary>
    [Benchmark(Baseline = true)]
    public int SingleSegment() => ParseAll(_single);

    /// <summary>The whole stream as 61-byte segments: every event crosses segment boundaries.</summary>
    [Benchmark]
    public int SplitSegments() => ParseAll(_split);

    /// <summary>
    /// Tokens arriving one by one (the 10 ms case): each event comes in two reads, the first ending
    /// mid-line, so the reader resumes from where it stopped scanning.
    /// </summary>
    [Benchmark]
    public int EventArrivesInTwoReads()
    {
        var reader = new SseEventReader();
        var count = 0;
        for (var i = 0; i < _events.Length; i++)
        {
            if (reader.TryRead(_halves[i], isFinalBlock: false, out _)) throw new InvalidOperationException("half an event framed");
            if (!reader.TryRead(_events[i], isFinalBlock: false, out var evt)) throw new InvalidOperationException("event not framed");
            count += (int)evt.Data.Length;
        }
        return count;
    }

    /// <summary>
    /// What <see cref="SsePump"/> does per stream: frame each event and read usage, finish reason and
    /// output with <see cref="CompletionAccumulator"/> (content capture off, as when no listener asks).
    /// </summary>
    [Benchmark]
    public int SingleSegmentWithAccumulator()
    {
        var reader = new SseEventReader();
        var accumulator = new CompletionAccumulator(captureContent: false, 0);
        var buffer = _single;
        var outputs = 0;
        while (reader.TryRead(buffer, isFinalBlock: false, out var evt))
        {
            if (evt.HasData && !evt.IsDone && accumulator.Observe(evt.Data)) outputs++;
            buffer = buffer.Slice(evt.Raw.End);
        }
        return outputs + (int)(accumulator.OutputTokens ?? 0);
    }

    private static int ParseAll(ReadOnlySequence<byte> buffer)
    {
        var reader = new SseEventReader();
        var count = 0;
        while (reader.TryRead(buffer, isFinalBlock: false, out var evt))
        {
            count += (int)evt.Data.Length;
            buffer = buffer.Slice(evt.Raw.End);
        }
        return count;
    }
}
