using System.Text.Json;
using Gateway.OpenAI;

namespace Gateway.Tests.OpenAI;

public sealed class JsonTextTests
{
    private static (bool Valid, string? Lenient) Read(byte[] json)
    {
        var reader = new Utf8JsonReader(json);
        Assert.True(reader.Read());
        var valid = JsonText.TryGetString(ref reader, out _);
        return (valid, JsonText.ReadLenient(ref reader));
    }

    [Fact]
    public void ValidText_IsReadAsIs_EscapesAndPairsIncluded()
    {
        var (valid, text) = Read("""" "a\n\t\"\\\/\u00e9\ud83d\ude00 é" """"u8.ToArray());
        Assert.True(valid);
        Assert.Equal("a\n\t\"\\/é\U0001F600 é", text);
    }

    [Fact]
    public void EscapedLoneSurrogates_BecomeReplacementCharacters_OthersEscapesStay()
    {
        var (valid, text) = Read(""" "x\ud800\n\udc00\ud83d\ude00\ud83d\u0041\\" """u8.ToArray());
        Assert.False(valid);
        Assert.Equal("x\uFFFD\n\uFFFD\U0001F600\uFFFDA\\", text);
    }

    [Fact]
    public void InvalidUtf8_BesideEscapes_BecomesReplacementCharacters()
    {
        byte[] json = [.. "\"a"u8, 0xFF, .. "\\n"u8, 0xC3, 0xA9, 0xE2, 0x82, .. "\\u00e9\""u8];
        var (valid, text) = Read(json);
        Assert.False(valid);
        Assert.Equal("a\uFFFD\né\uFFFDé", text);
    }

    [Fact]
    public void NotAString_IsSkipped()
    {
        var reader = new Utf8JsonReader("""{"a":{"b":[1,2]},"c":"d"}"""u8);
        reader.Read();
        reader.Read();
        reader.Read();
        Assert.Null(JsonText.ReadLenient(ref reader));
        Assert.True(reader.Read());
        Assert.True(reader.ValueTextEquals("c"u8));
    }

    [Fact]
    public void TextEquals_ResolvesEscapes_AndNeverThrowsOnLoneSurrogates()
    {
        var reader = new Utf8JsonReader("""{"m\u006fdel":1,"\ud800":2,"x\udc00":3,"caf\u00e9":4}"""u8);
        reader.Read();
        reader.Read();
        Assert.True(JsonText.TextEquals(ref reader, "model"u8));
        Assert.False(JsonText.TextEquals(ref reader, "mode"u8));
        reader.Read();
        reader.Read();
        Assert.False(JsonText.TextEquals(ref reader, "abc"u8));
        Assert.False(JsonText.TextEquals(ref reader, "\uFFFD"u8));
        reader.Read();
        reader.Read();
        Assert.False(JsonText.TextEquals(ref reader, "x"u8));
        reader.Read();
        reader.Read();
        Assert.True(JsonText.TextEquals(ref reader, "café"u8));
    }

    [Fact]
    public void TextEquals_AndReadLenient_WorkAcrossSegments()
    {
        // Cut inside the escape of the name and inside the escaped surrogate of the value.
        var reader = new Utf8JsonReader(Sequences.Split("""{"mo\u0064el":"a\ud800b"}"""u8.ToArray(), 7));
        reader.Read();
        reader.Read();
        Assert.True(JsonText.TextEquals(ref reader, "model"u8));
        reader.Read();
        Assert.Equal("a\uFFFDb", JsonText.ReadLenient(ref reader));
    }
}
