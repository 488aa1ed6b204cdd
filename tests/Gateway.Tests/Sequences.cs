using System.Buffers;

namespace Gateway.Tests;

/// <summary>Multi-segment sequences, so the paths that handle a token split across segments run.</summary>
internal static class Sequences
{
    /// <summary><paramref name="bytes"/> cut into segments of <paramref name="segmentSize"/> bytes (the last one shorter).</summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, int segmentSize)
    {
        if (bytes.Length == 0) return ReadOnlySequence<byte>.Empty;
        var first = new Segment(bytes.AsMemory(0, Math.Min(segmentSize, bytes.Length)), 0);
        var last = first;
        for (var i = segmentSize; i < bytes.Length; i += segmentSize) last = last.Append(bytes.AsMemory(i, Math.Min(segmentSize, bytes.Length - i)));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
