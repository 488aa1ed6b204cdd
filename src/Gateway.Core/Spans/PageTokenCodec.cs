using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Spans;

/// <summary>
/// Opaque, integrity-checked page tokens: a <see cref="PageCursor"/> and the fingerprint of the
/// query it belongs to, signed with HMAC-SHA256 (truncated to 128 bits). A forged or altered token,
/// or one from another query, is refused with a 400 rather than silently read from somewhere else.
/// </summary>
internal sealed class PageTokenCodec
{
    private const byte Version = 1;
    private const int FingerprintLength = 16;
    private const int MacLength = 16;
    // version, start, end, fingerprint, id length
    private const int HeaderLength = 1 + 8 + 8 + FingerprintLength + 1;

    // Null until the first token: the random key is drawn then, not at startup, because RandomNumberGenerator
    // loads and initialises OpenSSL (~5 % of the CPU to the gateway's first response, issue #11).
    private byte[]? _key;

    public PageTokenCodec(byte[]? key) => _key = key;

    /// <summary>The configured key, or 32 random bytes: tokens then stop working when the process restarts.</summary>
    public static PageTokenCodec Create(string? configuredKey) =>
        new(configuredKey is null ? null : Encoding.UTF8.GetBytes(configuredKey));

    // One key for the process even when two first tokens race: EnsureInitialized publishes a single array.
    private byte[] Key => LazyInitializer.EnsureInitialized(ref _key, static () => RandomNumberGenerator.GetBytes(32));

    public string Encode(PageCursor cursor, ReadOnlySpan<byte> fingerprint)
    {
        var id = Encoding.ASCII.GetBytes(cursor.SpanId);
        var buffer = new byte[HeaderLength + id.Length + MacLength];
        buffer[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(1), cursor.StartNs);
        BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(9), cursor.EndNs);
        fingerprint[..FingerprintLength].CopyTo(buffer.AsSpan(17));
        buffer[HeaderLength - 1] = (byte)id.Length;
        id.CopyTo(buffer.AsSpan(HeaderLength));
        var payload = buffer.AsSpan(0, HeaderLength + id.Length);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(Key, payload, mac);
        mac[..MacLength].CopyTo(buffer.AsSpan(payload.Length));
        return Base64Url.EncodeToString(buffer);
    }

    public bool TryDecode(string token, ReadOnlySpan<byte> fingerprint, out PageCursor cursor, out string? why)
    {
        cursor = default;
        // 512 characters: far above any token Encode makes, so the decode buffer stays small.
        var buffer = new byte[Base64Url.GetMaxDecodedLength(Math.Min(token.Length, 512))];
        if (token.Length > 512 || !TryDecodeBase64Url(token, buffer, out var length))
        {
            why = "it is not a token this gateway issued";
            return false;
        }
        buffer = buffer[..length];
        if (buffer.Length < HeaderLength + MacLength || buffer[0] != Version || buffer[HeaderLength - 1] != buffer.Length - HeaderLength - MacLength)
        {
            why = "it is not a token this gateway issued";
            return false;
        }
        var payload = buffer.AsSpan(0, buffer.Length - MacLength);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(Key, payload, mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[..MacLength], buffer.AsSpan(payload.Length)))
        {
            why = "its signature does not match (altered, forged, or issued before the gateway restarted with a new key)";
            return false;
        }
        if (!fingerprint[..FingerprintLength].SequenceEqual(buffer.AsSpan(17, FingerprintLength)))
        {
            why = "it belongs to a different query (the filters, window, project or sort direction changed)";
            return false;
        }
        cursor = new PageCursor(
            BinaryPrimitives.ReadInt64BigEndian(buffer.AsSpan(1)),
            Encoding.ASCII.GetString(buffer.AsSpan(HeaderLength, buffer[HeaderLength - 1])),
            BinaryPrimitives.ReadInt64BigEndian(buffer.AsSpan(9)));
        why = null;
        return true;
    }

    /// <summary>Base64Url.TryDecodeFromChars throws on bad input (a foreign character, stray trailing bits); here that is just "no".</summary>
    private static bool TryDecodeBase64Url(string s, byte[] buffer, out int length)
    {
        try
        {
            return Base64Url.TryDecodeFromChars(s, buffer, out length);
        }
        catch (FormatException)
        {
            length = 0;
            return false;
        }
    }
}
