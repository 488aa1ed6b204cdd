using System.Security.Cryptography;
using System.Text;
using Gateway.Auth;

namespace Gateway.Config;

/// <summary>
/// Reads the <c>auth</c> section:
/// <code>
/// auth:
///   api_keys:
///     - key_hash: sha256:&lt;64 hex&gt;        # or key: ${ENV_VAR}, hashed at load
///       subject: user:alice@example.com     # or virtualaccount:&lt;name&gt;
///       teams: [eng]
///       tenant: acme
///       admin: false
/// </code>
/// </summary>
internal static class AuthConfigReader
{
    private const string HashPrefix = "sha256:";

    public static List<ApiKeyConfig> Read(ConfigErrors errors, IReadOnlyList<ConfigFile.ApiKey> apiKeys)
    {
        var keys = new List<ApiKeyConfig>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < apiKeys.Count; i++)
        {
            var path = $"auth.api_keys[{i}]";
            var key = ReadKey(errors, path, apiKeys[i]);
            if (key is null) continue;
            var hex = Convert.ToHexString(key.Sha256);
            if (seen.TryGetValue(hex, out var first))
            {
                errors.Add(path, $"duplicate API key (the same key as {first})");
                continue;
            }
            seen[hex] = path;
            keys.Add(key);
        }
        return keys;
    }

    private static ApiKeyConfig? ReadKey(ConfigErrors errors, string path, ConfigFile.ApiKey k)
    {
        byte[]? hash = null;
        if (k.KeyHash is not null && k.Key is not null) errors.Add(path + ".key", "give either key_hash or key, not both");
        else if (k.KeyHash is { } hex) hash = ParseHash(errors, path + ".key_hash", hex);
        else if (k.Key is { } key) hash = HashPlaintext(errors, path + ".key", key);
        // Given but not bound: the value's own error is already reported.
        else if (!errors.Given(path + ".key_hash") && !errors.Given(path + ".key")) errors.Add(path + ".key_hash", "required: key_hash (sha256:<hex>) or key (${ENV_VAR})");
        var teams = errors.Valid(path + ".teams", k.Teams, t => string.IsNullOrWhiteSpace(t) ? "team name must not be empty" : null);
        Subject? subject = null;
        if (k.Subject is null)
        {
            errors.Add(path + ".subject", "required, e.g. user:alice@example.com or virtualaccount:billing-app");
        }
        else
        {
            var colon = k.Subject.IndexOf(':');
            var type = colon > 0 ? k.Subject[..colon] : "";
            var slug = colon > 0 ? k.Subject[(colon + 1)..] : "";
            if (type is not (Subject.UserType or Subject.VirtualAccountType) || !IsSlug(slug))
            {
                errors.Add(path + ".subject", $"'{k.Subject}' must be user:<email or name> or virtualaccount:<name>, without spaces");
            }
            else
            {
                subject = new Subject(type, slug, teams, string.IsNullOrWhiteSpace(k.Tenant) ? "default" : k.Tenant) { IsAdmin = k.Admin };
            }
        }
        if (!errors.Clean(path) || hash is null || subject is null) return null;
        return new ApiKeyConfig { Name = k.Name ?? subject.ToString(), Sha256 = hash, Subject = subject };
    }

    private static byte[]? ParseHash(ConfigErrors errors, string path, string text)
    {
        if (!text.StartsWith(HashPrefix, StringComparison.Ordinal) || text.Length != HashPrefix.Length + 64)
        {
            errors.Add(path, "expected sha256:<64 hex digits> (e.g. from: printf %s \"$KEY\" | sha256sum)");
            return null;
        }
        try
        {
            return Convert.FromHexString(text.AsSpan(HashPrefix.Length));
        }
        catch (FormatException)
        {
            errors.Add(path, "expected sha256:<64 hex digits>");
            return null;
        }
    }

    private static byte[]? HashPlaintext(ConfigErrors errors, string path, string key)
    {
        // A literal key in the file would sit in version control; only an environment reference is accepted.
        if (errors.Raw(path)?.Contains("${", StringComparison.Ordinal) != true)
        {
            errors.Add(path, "a plaintext key must come from the environment (key: ${NAME}); store key_hash: sha256:<hex> instead");
            return null;
        }
        if (key.Length < 8)
        {
            errors.Add(path, "the key is shorter than 8 characters");
            return null;
        }
        return SHA256.HashData(Encoding.UTF8.GetBytes(key));
    }

    private static bool IsSlug(string s)
    {
        if (s.Length == 0 || s.Length > 256) return false;
        foreach (var c in s)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c)) return false;
        }
        return true;
    }
}
