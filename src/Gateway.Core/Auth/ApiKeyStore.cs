using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using Gateway.Config;
using Gateway.OpenAI;

namespace Gateway.Auth;

/// <summary>
/// Maps a presented bearer key to its <see cref="Subject"/>. Keys are held as SHA-256 digests; the
/// presented key is hashed and looked up by the digest's first 8 bytes, then the full digest is
/// compared in constant time. Timing can at most reveal something about a digest, never about a key.
/// </summary>
internal sealed class ApiKeyStore
{
    /// <summary>Longer keys are rejected before hashing so a huge header costs nothing.</summary>
    public const int MaxKeyLength = 512;

    private readonly FrozenDictionary<ulong, ApiKeyConfig[]> _byPrefix;

    public ApiKeyStore(IReadOnlyList<ApiKeyConfig> keys)
    {
        Count = keys.Count;
        _byPrefix = keys
            .GroupBy(k => BitConverter.ToUInt64(k.Sha256, 0))
            .ToFrozenDictionary(g => g.Key, g => g.ToArray());
    }

    /// <summary>Number of configured keys; zero means every caller is <see cref="Subject.Anonymous"/>.</summary>
    public int Count { get; }

    public bool IsEmpty => Count == 0;

    /// <summary>Authenticates an <c>Authorization</c> header value (null when absent).</summary>
    public bool TryAuthenticate(string? authorization, out Subject subject, out GatewayError? error)
    {
        error = null;
        subject = Subject.Anonymous;
        if (IsEmpty) return true;
        if (string.IsNullOrEmpty(authorization))
        {
            error = AuthErrors.MissingKey();
            return false;
        }
        var value = authorization.AsSpan().Trim();
        const string Scheme = "Bearer ";
        if (value.Length <= Scheme.Length || !value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            error = AuthErrors.MalformedHeader();
            return false;
        }
        var key = value[Scheme.Length..].TrimStart();
        if (key.IsEmpty || key.Length > MaxKeyLength || key.ContainsAny(' ', '\t', ','))
        {
            error = AuthErrors.MalformedHeader();
            return false;
        }
        Span<byte> utf8 = stackalloc byte[MaxKeyLength * 3];
        var n = Encoding.UTF8.GetBytes(key, utf8);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..n], digest);
        if (_byPrefix.TryGetValue(BitConverter.ToUInt64(digest), out var candidates))
        {
            foreach (var candidate in candidates)
            {
                if (CryptographicOperations.FixedTimeEquals(candidate.Sha256, digest))
                {
                    subject = candidate.Subject;
                    return true;
                }
            }
        }
        error = AuthErrors.WrongKey();
        return false;
    }
}
