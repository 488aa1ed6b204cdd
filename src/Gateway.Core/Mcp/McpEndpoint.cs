using Gateway.Config;

namespace Gateway.Mcp;

/// <summary>
/// One remote MCP server as a request uses it: a configured server (its headers, allow-list and timeouts), or
/// a URL the agent API was given (checked against <c>mcp_allowed_urls</c>), plus the caller's own headers
/// for it. Sessions are pooled per endpoint <see cref="Key"/>: callers with different headers never share one.
/// </summary>
internal sealed class McpEndpoint
{
    public required string Name { get; init; }
    public required string Fqn { get; init; }
    public required Uri Url { get; init; }
    /// <summary>The configured server; null for a URL-given one.</summary>
    public McpServerConfig? Server { get; init; }
    /// <summary>Config auth headers, then the caller's (already checked against <c>caller_headers</c>).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
    public int ConnectTimeoutMs { get; init; } = McpServerConfig.DefaultConnectTimeoutMs;
    public int ToolTimeoutMs { get; init; } = McpServerConfig.DefaultToolTimeoutMs;
    public int ToolsCacheMs { get; init; } = McpServerConfig.DefaultToolsCacheMs;

    /// <summary>Name, URL and every header (values hashed), so a changed config or caller header opens its own session.</summary>
    public string Key
    {
        get
        {
            var key = new System.Text.StringBuilder(Name).Append('|').Append(Url.AbsoluteUri);
            foreach (var (k, v) in Headers.OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase))
            {
                key.Append('|').Append(k.ToLowerInvariant()).Append('=').Append(v);
            }
            // Header values are secrets: the key holds their hash only.
            return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key.ToString())));
        }
    }

    /// <summary>Whether the config lets callers see and call <paramref name="tool"/>.</summary>
    public bool Allows(string tool) => Server?.Allows(tool) ?? true;

    public static McpEndpoint For(McpServerConfig server, IReadOnlyDictionary<string, string>? callerHeaders = null)
    {
        var headers = new Dictionary<string, string>(server.Headers, StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in callerHeaders ?? new Dictionary<string, string>()) headers[k] = v;
        return new McpEndpoint
        {
            Name = server.Name,
            Fqn = server.Fqn,
            Url = server.Url ?? throw new ArgumentException("a virtual server has no endpoint", nameof(server)),
            Server = server,
            Headers = headers,
            ConnectTimeoutMs = server.ConnectTimeoutMs,
            ToolTimeoutMs = server.ToolTimeoutMs,
            ToolsCacheMs = server.ToolsCacheMs,
        };
    }

    /// <summary>A server the caller named by URL: named by its host and path, with the caller's headers.</summary>
    public static McpEndpoint ForUrl(Uri url, IReadOnlyDictionary<string, string>? callerHeaders = null) => new()
    {
        Name = url.Host + url.AbsolutePath,
        Fqn = url.AbsoluteUri,
        Url = url,
        Headers = callerHeaders ?? new Dictionary<string, string>(),
    };
}
