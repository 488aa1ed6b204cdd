using System.Text;
using Gateway.Proxy;

namespace Gateway.Tests.Proxy;

public sealed class PooledByteWriterTests
{
    [Fact]
    public void Grows_KeepingWhatWasWritten()
    {
        using var writer = new PooledByteWriter(16);
        var chunk = Encoding.ASCII.GetBytes("0123456789");
        for (var i = 0; i < 100; i++) writer.Write(chunk);
        Assert.Equal(1000, writer.WrittenCount);
        Assert.Equal(string.Concat(Enumerable.Repeat("0123456789", 100)), Encoding.ASCII.GetString(writer.WrittenSpan));
    }

    [Fact]
    public void GetSpanAndAdvance_AppendAndClearStartsOver()
    {
        using var writer = new PooledByteWriter(4);
        var span = writer.GetSpan(600);
        Assert.True(span.Length >= 600);
        span[..3].Fill((byte)'x');
        writer.Advance(3);
        writer.Write("yz"u8);
        Assert.Equal("xxxyz", Encoding.ASCII.GetString(writer.WrittenSpan));
        writer.Clear();
        Assert.Equal(0, writer.WrittenCount);
        writer.Write("a"u8);
        Assert.Equal("a", Encoding.ASCII.GetString(writer.WrittenSpan));
    }

    [Fact]
    public void AdvancingPastTheEnd_Throws()
    {
        using var writer = new PooledByteWriter(256);
        var room = writer.GetSpan().Length;
        Assert.Throws<InvalidOperationException>(() => writer.Advance(room + 1));
    }
}
