using System.Security.Cryptography;
using Gateway.Spans;

namespace Gateway.Tests.Spans;

public sealed class PageTokenCodecTests
{
    private static readonly byte[] Fingerprint = SHA256.HashData("query"u8);
    private static readonly PageCursor Cursor = new(1_717_200_000_123_456_700, "00f067aa0ba902b7", 1_717_203_600_000_000_000);

    [Fact]
    public void Round_trips()
    {
        var codec = PageTokenCodec.Create(null);
        var token = codec.Encode(Cursor, Fingerprint);
        Assert.Matches("^[A-Za-z0-9_-]+$", token);
        Assert.True(codec.TryDecode(token, Fingerprint, out var cursor, out var why), why);
        Assert.Equal(Cursor, cursor);
    }

    [Fact]
    public void Every_single_byte_change_is_detected()
    {
        var codec = PageTokenCodec.Create("a-configured-key-of-32-characters");
        var token = codec.Encode(Cursor, Fingerprint);
        for (var i = 0; i < token.Length - 1; i++)
        {
            var forged = token[..i] + (token[i] == 'A' ? 'B' : 'A') + token[(i + 1)..];
            Assert.False(codec.TryDecode(forged, Fingerprint, out _, out _), $"changed at {i}");
        }
    }

    [Fact]
    public void A_token_of_another_key_or_query_is_refused()
    {
        var token = PageTokenCodec.Create(null).Encode(Cursor, Fingerprint);
        Assert.False(PageTokenCodec.Create(null).TryDecode(token, Fingerprint, out _, out var why));
        Assert.Contains("signature", why);
        var codec = PageTokenCodec.Create("the-same-configured-key");
        token = codec.Encode(Cursor, Fingerprint);
        Assert.True(PageTokenCodec.Create("the-same-configured-key").TryDecode(token, Fingerprint, out _, out _));
        Assert.False(codec.TryDecode(token, SHA256.HashData("other"u8), out _, out why));
        Assert.Contains("different query", why);
    }

    [Theory]
    [InlineData("")]
    [InlineData("!!!")]
    [InlineData("AAAA")]
    [InlineData("a/b+c=")]
    public void Garbage_is_refused(string token) =>
        Assert.False(PageTokenCodec.Create(null).TryDecode(token, Fingerprint, out _, out _));

    [Fact]
    public void Huge_tokens_are_refused_without_decoding() =>
        Assert.False(PageTokenCodec.Create(null).TryDecode(new string('A', 100_000), Fingerprint, out _, out _));
}
