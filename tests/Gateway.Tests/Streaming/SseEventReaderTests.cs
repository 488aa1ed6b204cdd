using System.Buffers;
using System.Text;
using Gateway.Streaming;

namespace Gateway.Tests.Streaming;

public sealed class SseEventReaderTests
{
    /// <summary>Feeds the input in the given chunks the way PipeReader would (keeping unconsumed bytes), collecting events.</summary>
    private static List<(string Raw, string? Data, bool Error)> Parse(byte[] input, IEnumerable<int> chunkSizes, bool final = true)
    {
        var parser = new SseEventReader();
        var events = new List<(string, string?, bool)>();
        var pending = new List<byte>();
        var offset = 0;
        var sizes = chunkSizes.GetEnumerator();
        while (offset < input.Length || pending.Count > 0)
        {
            var size = sizes.MoveNext() ? sizes.Current : input.Length - offset;
            size = Math.Min(size, input.Length - offset);
            pending.AddRange(input.AsSpan(offset, size).ToArray());
            offset += size;
            var isFinal = final && offset == input.Length;
            var buffer = Segmented(pending.ToArray());
            while (parser.TryRead(buffer, isFinal, out var evt))
            {
                events.Add((Encoding.UTF8.GetString(evt.Raw.ToArray()), evt.HasData ? Encoding.UTF8.GetString(evt.Data.ToArray()) : null, evt.IsErrorEvent));
                buffer = buffer.Slice(evt.Raw.End);
            }
            pending = [.. buffer.ToArray()];
            if (offset == input.Length) break;
        }
        return events;
    }

    /// <summary>A sequence split into 3-byte segments, so every multi-segment path runs.</summary>
    private static ReadOnlySequence<byte> Segmented(byte[] bytes) => Sequences.Split(bytes, 3);

    [Theory]
    [InlineData("\n")]
    [InlineData("\r")]
    [InlineData("\r\n")]
    public void LineEndings_AllFrameEvents(string eol)
    {
        var text = $"data: one{eol}{eol}data: two{eol}{eol}";
        var events = Parse(Encoding.UTF8.GetBytes(text), [int.MaxValue]);
        Assert.Equal(["one", "two"], events.Select(e => e.Data));
        Assert.Equal(text, string.Concat(events.Select(e => e.Raw)));
    }

    [Fact]
    public void EventSplitAtEveryByteBoundary_ProducesTheSameEvents()
    {
        const string text = "data: {\"a\":1}\r\n\r\n: comment\n\nevent: error\ndata: x\ndata: y\r\rdata:[DONE]\n\n";
        var bytes = Encoding.UTF8.GetBytes(text);
        var expected = Parse(bytes, [int.MaxValue]);
        Assert.Equal(4, expected.Count);
        for (var split = 1; split < bytes.Length; split++)
        {
            var actual = Parse(bytes, [split, int.MaxValue]);
            Assert.Equal(expected, actual);
        }
        // And one byte at a time.
        Assert.Equal(expected, Parse(bytes, Enumerable.Repeat(1, bytes.Length)));
    }

    [Fact]
    public void MultiLineData_IsJoinedWithLf()
    {
        var events = Parse("data: a\ndata:b\ndata:  c\n\n"u8.ToArray(), [int.MaxValue]);
        Assert.Equal("a\nb\n c", Assert.Single(events).Data);
    }

    [Fact]
    public void Comments_AreForwardedButCarryNoData()
    {
        var events = Parse(": keepalive\n\ndata: x\n\n"u8.ToArray(), [int.MaxValue]);
        Assert.Equal(2, events.Count);
        Assert.Null(events[0].Data);
        Assert.Equal(": keepalive\n\n", events[0].Raw);
        Assert.Equal("x", events[1].Data);
    }

    [Fact]
    public void ErrorEventName_IsRecognised()
    {
        var events = Parse("event: error\ndata: {\"error\":{}}\n\nevent: errors\ndata: z\n\n"u8.ToArray(), [int.MaxValue]);
        Assert.True(events[0].Error);
        Assert.False(events[1].Error);
    }

    [Fact]
    public void OneMegabyteEvent_ArrivingIn64KbReads_IsOneEvent()
    {
        var payload = new string('x', 1024 * 1024);
        var bytes = Encoding.UTF8.GetBytes("data: " + payload + "\n\ndata: tail\n\n");
        var events = Parse(bytes, Enumerable.Repeat(64 * 1024, bytes.Length / (64 * 1024) + 1));
        Assert.Equal(2, events.Count);
        Assert.Equal(payload.Length, events[0].Data!.Length);
        Assert.Equal("tail", events[1].Data);
    }

    [Fact]
    public void IncompleteEvent_IsNotReturned()
    {
        var parser = new SseEventReader();
        var buffer = new ReadOnlySequence<byte>("data: partial\n"u8.ToArray());
        Assert.False(parser.TryRead(buffer, isFinalBlock: false, out _));
        Assert.False(parser.TryRead(buffer, isFinalBlock: true, out _));
    }

    [Fact]
    public void TrailingCr_WaitsForPossibleLf()
    {
        var parser = new SseEventReader();
        Assert.False(parser.TryRead(new ReadOnlySequence<byte>("data: x\r\n\r"u8.ToArray()), isFinalBlock: false, out _));
        Assert.True(parser.TryRead(new ReadOnlySequence<byte>("data: x\r\n\r\n"u8.ToArray()), isFinalBlock: false, out var evt));
        Assert.Equal(11, evt.Raw.Length);
    }

    [Fact]
    public void Garbage_NeverThrowsAndForwardsEveryByte()
    {
        var random = new Random(1234);
        for (var round = 0; round < 200; round++)
        {
            var bytes = new byte[random.Next(1, 400)];
            random.NextBytes(bytes);
            // Sprinkle line breaks so some events complete.
            for (var i = 0; i < bytes.Length; i += random.Next(1, 20)) bytes[i] = (byte)"\n\r:"[random.Next(3)];
            var events = Parse(bytes, [random.Next(1, 50), random.Next(1, 50), int.MaxValue], final: true);
            var forwarded = string.Concat(events.Select(e => e.Raw));
            Assert.StartsWith(forwarded, Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DoneMarker_IsDetected()
    {
        var parser = new SseEventReader();
        Assert.True(parser.TryRead(new ReadOnlySequence<byte>("data: [DONE]\n\n"u8.ToArray()), true, out var evt));
        Assert.True(evt.IsDone);
        Assert.True(parser.TryRead(new ReadOnlySequence<byte>("data: [DONE]x\n\n"u8.ToArray()), true, out evt));
        Assert.False(evt.IsDone);
    }
}
