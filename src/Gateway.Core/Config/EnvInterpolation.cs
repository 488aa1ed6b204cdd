using System.Text;

namespace Gateway.Config;

/// <summary>
/// Expands <c>${NAME}</c> and <c>${NAME:-default}</c> in configuration scalars so secrets stay out of
/// the file. <c>$${</c> is a literal <c>${</c>.
/// </summary>
internal static class EnvInterpolation
{
    public static bool TryExpand(string value, Func<string, string?> getEnv, out string expanded, out string? error)
    {
        error = null;
        if (!value.Contains('$'))
        {
            expanded = value;
            return true;
        }
        var sb = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '$' && i + 2 < value.Length && value[i + 1] == '$' && value[i + 2] == '{')
            {
                sb.Append("${");
                i += 2;
                continue;
            }
            if (c != '$' || i + 1 >= value.Length || value[i + 1] != '{')
            {
                sb.Append(c);
                continue;
            }
            var close = value.IndexOf('}', i + 2);
            if (close < 0)
            {
                expanded = value;
                error = "unterminated '${' in value";
                return false;
            }
            var body = value.AsSpan(i + 2, close - i - 2);
            string? fallback = null;
            var sep = body.IndexOf(":-", StringComparison.Ordinal);
            if (sep >= 0)
            {
                fallback = body[(sep + 2)..].ToString();
                body = body[..sep];
            }
            var name = body.ToString();
            if (name.Length == 0 || !IsValidName(name))
            {
                expanded = value;
                error = $"'${{{name}}}' is not a valid environment variable reference";
                return false;
            }
            var env = getEnv(name);
            if (string.IsNullOrEmpty(env))
            {
                if (fallback is null)
                {
                    expanded = value;
                    error = $"environment variable '{name}' is not set (use ${{{name}:-default}} for a default)";
                    return false;
                }
                env = fallback;
            }
            sb.Append(env);
            i = close;
        }
        expanded = sb.ToString();
        return true;
    }

    private static bool IsValidName(string name)
    {
        foreach (var ch in name)
        {
            if (!(char.IsAsciiLetterOrDigit(ch) || ch == '_')) return false;
        }
        return !char.IsAsciiDigit(name[0]);
    }
}
