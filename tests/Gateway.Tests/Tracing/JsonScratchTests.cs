using Gateway.Tracing;

namespace Gateway.Tests.Tracing;

public sealed class JsonScratchTests
{
    [Fact]
    public void ConsecutiveWrites_OnOneThread_DoNotSeeEachOther()
    {
        var first = JsonScratch.Write("a", static (w, s) => { w.WriteStartObject(); w.WriteString("k", s); w.WriteEndObject(); });
        var second = JsonScratch.Write(7, static (w, n) => { w.WriteStartArray(); w.WriteNumberValue(n); w.WriteEndArray(); });
        Assert.Equal("""{"k":"a"}""", first);
        Assert.Equal("[7]", second);
    }

    [Fact]
    public void AHugeValue_IsWrittenWhole_AndTheNextWriteIsClean()
    {
        var big = new string('x', 200_000);
        var json = JsonScratch.Write(big, static (w, s) => w.WriteStringValue(s));
        Assert.Equal(200_002, json.Length);
        Assert.Equal("\"y\"", JsonScratch.Write("y", static (w, s) => w.WriteStringValue(s)));
    }

    [Fact]
    public void AWriterThatThrows_LeavesTheNextWriteClean()
    {
        Assert.Throws<InvalidOperationException>(() => JsonScratch.Write(0, static (w, _) =>
        {
            w.WriteStartObject();
            w.WriteString("half", "written");
            throw new InvalidOperationException("boom");
        }));
        Assert.Equal("[]", JsonScratch.Write(0, static (w, _) => { w.WriteStartArray(); w.WriteEndArray(); }));
    }

    [Fact]
    public void MaxChars_CutsTheResult()
    {
        Assert.Equal("\"abc", JsonScratch.Write("abcdef", static (w, s) => w.WriteStringValue(s), maxChars: 4));
    }
}
