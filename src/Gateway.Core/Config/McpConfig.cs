namespace Gateway.Config;

/// <summary>The <c>mcp_servers</c> and <c>mcp_allowed_urls</c> sections, validated.</summary>
internal sealed class McpConfig
{
    public static readonly McpConfig Empty = new();

    /// <summary>In file order; names and FQNs are unique.</summary>
    public IReadOnlyList<McpServerConfig> Servers { get; init; } = [];

    /// <summary>URL-given servers (agent API) must match one of these; empty: none is allowed.</summary>
    public IReadOnlyList<McpUrlPattern> AllowedUrls { get; init; } = [];

    /// <summary>A server by its name or its FQN.</summary>
    public McpServerConfig? Find(string nameOrFqn)
    {
        foreach (var s in Servers)
        {
            if (s.Name == nameOrFqn || s.Fqn == nameOrFqn) return s;
        }
        return null;
    }

    public bool IsUrlAllowed(Uri url)
    {
        foreach (var p in AllowedUrls)
        {
            if (p.Matches(url)) return true;
        }
        return false;
    }
}
