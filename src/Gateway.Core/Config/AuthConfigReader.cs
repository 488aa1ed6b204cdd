using System.Security.Cryptography;
using System.Text;
using Gateway.Auth;
using YamlDotNet.RepresentationModel;

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
    private static readonly string[] s_authFields = ["api_keys"];
    private static readonly string[] s_keyFields = ["name", "key_hash", "key", "subject", "teams", "tenant", "admin"];
    private const string HashPrefix = "sha256:";

    public static List<ApiKeyConfig> Read(YamlReader r, YamlNode node, string path)
    {
        var keys = new List<ApiKeyConfig>();
        r.Fields(node, path, s_authFields, (_, value, p) =>
        {
            var seen = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (item, ip) in r.Items(value, p))
            {
                var key = ReadKey(r, item, ip);
                if (key is null) continue;
                var hex = Convert.ToHexString(key.Sha256);
                if (seen.TryGetValue(hex, out var first))
                {
                    r.Error(item, ip, $"duplicate API key (the same key as {first})");
                    continue;
                }
                seen[hex] = ip;
                keys.Add(key);
            }
        });
        return keys;
    }

    private static ApiKeyConfig? ReadKey(YamlReader r, YamlNode node, string path)
    {
        string? name = null, subject = null, tenant = null;
        byte[]? hash = null;
        var hashGiven = false;
        var admin = false;
        var teams = new List<string>();
        YamlNode? subjectNode = null;
        var errorsBefore = r.Errors.Count;
        r.Fields(node, path, s_keyFields, (key, value, p) =>
        {
            switch (key)
            {
                case "name": name = r.String(value, p); break;
                case "key_hash":
                    hashGiven = true;
                    hash = ParseHash(r, value, p, hash);
                    break;
                case "key":
                    hashGiven = true;
                    hash = HashPlaintext(r, value, p, hash);
                    break;
                case "subject": subject = r.String(value, p); subjectNode = value; break;
                case "teams":
                    foreach (var (item, ip) in r.Items(value, p))
                    {
                        var team = r.String(item, ip);
                        if (string.IsNullOrWhiteSpace(team)) r.Error(item, ip, "team name must not be empty");
                        else teams.Add(team);
                    }
                    break;
                case "tenant": tenant = r.String(value, p); break;
                case "admin": admin = r.Bool(value, p) ?? false; break;
            }
        });
        if (!hashGiven) r.Error(node, path + ".key_hash", "required: key_hash (sha256:<hex>) or key (${ENV_VAR})");
        Subject? parsed = null;
        if (subject is null)
        {
            r.Error(node, path + ".subject", "required, e.g. user:alice@example.com or virtualaccount:billing-app");
        }
        else
        {
            var colon = subject.IndexOf(':');
            var type = colon > 0 ? subject[..colon] : "";
            var slug = colon > 0 ? subject[(colon + 1)..] : "";
            if (type is not (Subject.UserType or Subject.VirtualAccountType) || !IsSlug(slug))
            {
                r.Error(subjectNode!, path + ".subject", $"'{subject}' must be user:<email or name> or virtualaccount:<name>, without spaces");
            }
            else
            {
                parsed = new Subject(type, slug, teams, string.IsNullOrWhiteSpace(tenant) ? "default" : tenant) { IsAdmin = admin };
            }
        }
        if (r.Errors.Count != errorsBefore || hash is null || parsed is null) return null;
        return new ApiKeyConfig { Name = name ?? parsed.ToString(), Sha256 = hash, Subject = parsed };
    }

    private static byte[]? ParseHash(YamlReader r, YamlNode value, string path, byte[]? existing)
    {
        if (existing is not null)
        {
            r.Error(value, path, "give either key_hash or key, not both");
            return null;
        }
        var text = r.String(value, path);
        if (text is null) return null;
        if (!text.StartsWith(HashPrefix, StringComparison.Ordinal) || text.Length != HashPrefix.Length + 64)
        {
            r.Error(value, path, "expected sha256:<64 hex digits> (e.g. from: printf %s \"$KEY\" | sha256sum)");
            return null;
        }
        try
        {
            return Convert.FromHexString(text.AsSpan(HashPrefix.Length));
        }
        catch (FormatException)
        {
            r.Error(value, path, "expected sha256:<64 hex digits>");
            return null;
        }
    }

    private static byte[]? HashPlaintext(YamlReader r, YamlNode value, string path, byte[]? existing)
    {
        if (existing is not null)
        {
            r.Error(value, path, "give either key_hash or key, not both");
            return null;
        }
        // A literal key in the file would sit in version control; only an environment reference is accepted.
        if (value is not YamlScalarNode { Value: { } raw } || !raw.Contains("${", StringComparison.Ordinal))
        {
            r.Error(value, path, "a plaintext key must come from the environment (key: ${NAME}); store key_hash: sha256:<hex> instead");
            return null;
        }
        var text = r.String(value, path);
        if (text is null) return null;
        if (text.Length < 8)
        {
            r.Error(value, path, "the key is shorter than 8 characters");
            return null;
        }
        return SHA256.HashData(Encoding.UTF8.GetBytes(text));
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
