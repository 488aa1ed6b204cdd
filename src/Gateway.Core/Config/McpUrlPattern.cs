namespace Gateway.Config;

/// <summary>
/// One entry of <c>mcp_allowed_urls</c>: which URL-given MCP servers the agent API may connect to (no open
/// SSRF). A pattern is a URL whose parts may hold <c>*</c>: in the host it matches within the host only (it
/// cannot reach into the port or path, so <c>https://*.example.com/*</c> does not match
/// <c>https://evil.test/.example.com/</c>); in the port any port; in the path any run of characters. A
/// pattern without a path allows every path; without a port, the scheme's default port.
/// </summary>
internal sealed class McpUrlPattern
{
    private readonly string _scheme;
    private readonly string _host;
    private readonly string _port;
    private readonly string _path;

    private McpUrlPattern(string text, string scheme, string host, string port, string path)
    {
        Text = text;
        _scheme = scheme;
        _host = host;
        _port = port;
        _path = path;
    }

    /// <summary>As written in config.</summary>
    public string Text { get; }

    public static McpUrlPattern? TryParse(string text, out string? error)
    {
        error = null;
        var sep = text.IndexOf("://", StringComparison.Ordinal);
        var scheme = sep > 0 ? text[..sep].ToLowerInvariant() : "";
        if (scheme is not ("http" or "https"))
        {
            error = $"'{text}' is not an http:// or https:// URL pattern";
            return null;
        }
        var rest = text[(sep + 3)..];
        var slash = rest.IndexOf('/');
        var authority = slash < 0 ? rest : rest[..slash];
        var path = slash < 0 ? "/*" : rest[slash..];
        if (authority.Contains('@') || authority.Contains('?') || authority.Contains('#') || path.Contains('#'))
        {
            error = $"'{text}': user info, query or fragment in the host part are not allowed";
            return null;
        }
        var colon = authority.LastIndexOf(':');
        var host = colon < 0 ? authority : authority[..colon];
        var port = colon < 0 ? (scheme == "https" ? "443" : "80") : authority[(colon + 1)..];
        if (host.Length == 0 || port.Length == 0 || (port != "*" && !int.TryParse(port, out _)))
        {
            error = $"'{text}': expected scheme://host[:port][/path]";
            return null;
        }
        return new McpUrlPattern(text, scheme, host.ToLowerInvariant(), port, path);
    }

    public bool Matches(Uri url)
    {
        if (!url.IsAbsoluteUri || url.UserInfo.Length > 0) return false;
        if (!string.Equals(url.Scheme, _scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var port = url.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Glob(_host, url.IdnHost.ToLowerInvariant()) && (_port == "*" || _port == port) && Glob(_path, url.PathAndQuery);
    }

    /// <summary>Wildcard match where <c>*</c> matches any run of characters (greedy with backtracking to the last star).</summary>
    internal static bool Glob(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (p < pattern.Length && pattern[p] == text[t])
            {
                p++;
                t++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }
}
