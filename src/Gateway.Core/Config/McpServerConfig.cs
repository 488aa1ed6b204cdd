namespace Gateway.Config;

/// <summary>
/// One MCP server the gateway knows, validated (<see cref="McpConfigReader"/>): where it is, how the gateway
/// authenticates to it, which of its tools callers may see and call, and how long the gateway waits for it.
/// </summary>
internal sealed class McpServerConfig
{
    public const int DefaultConnectTimeoutMs = 10_000;
    public const int DefaultToolTimeoutMs = 60_000;
    public const int DefaultToolsCacheMs = 300_000;

    /// <summary>The name in config, in <c>/mcp/v1/&lt;name&gt;/mcp</c> and in the agent API's <c>mcp_servers[].name</c>.</summary>
    public required string Name { get; init; }
    /// <summary>The fully qualified name (spans' <c>mcp_server_fqn</c>, the agent API's <c>integration_fqn</c>); default <c>default:mcp-server:&lt;name&gt;</c>.</summary>
    public required string Fqn { get; init; }
    public McpServerKind Kind { get; init; } = McpServerKind.Remote;
    /// <summary>Remote servers: the Streamable HTTP endpoint.</summary>
    public Uri? Url { get; init; }
    /// <summary>Sent on every request to the server (auth: static headers, or <c>Authorization: Bearer</c>). Secrets: never in spans or logs.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
    /// <summary>Header names a caller may add for this server (<c>x-tfy-mcp-headers</c>, the agent API's <c>headers</c>); empty: none.</summary>
    public IReadOnlyList<string> CallerHeaders { get; init; } = [];
    /// <summary>The tool allow-list; null: every tool the server lists.</summary>
    public IReadOnlySet<string>? Tools { get; init; }
    /// <summary>Connecting and initializing a session, and listing tools.</summary>
    public int ConnectTimeoutMs { get; init; } = DefaultConnectTimeoutMs;
    /// <summary>One tool call.</summary>
    public int ToolTimeoutMs { get; init; } = DefaultToolTimeoutMs;
    /// <summary>How long a listed set of tools is reused before it is listed again; 0: listed for every request.</summary>
    public int ToolsCacheMs { get; init; } = DefaultToolsCacheMs;
    /// <summary>Virtual servers: the servers (always remote) and tools they combine.</summary>
    public IReadOnlyList<McpMemberConfig> Members { get; init; } = [];

    public bool IsVirtual => Kind == McpServerKind.Virtual;

    /// <summary>Whether callers may see and call <paramref name="tool"/> of this server.</summary>
    public bool Allows(string tool) => Tools is null || Tools.Contains(tool);

    /// <summary>Whether a caller may set <paramref name="header"/> for this server.</summary>
    public bool AllowsCallerHeader(string header)
    {
        foreach (var h in CallerHeaders)
        {
            if (string.Equals(h, header, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }
}

