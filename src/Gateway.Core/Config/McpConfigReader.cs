namespace Gateway.Config;

/// <summary>
/// Checks <c>mcp_servers: [{name, fqn, type, url, auth, caller_headers, tools, *_ms, servers}]</c> and
/// <c>mcp_allowed_urls: [pattern]</c>, each error with its line. Virtual servers are read after the remote
/// ones, so they may name servers written below them.
/// </summary>
internal static class McpConfigReader
{
    private const string Path = "mcp_servers";

    public static McpConfig Read(ConfigErrors errors, IReadOnlyList<ConfigFile.McpServer>? servers, IReadOnlyList<string>? allowedUrls)
    {
        if (servers is null && allowedUrls is null) return McpConfig.Empty;
        var read = new List<McpServerConfig>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var fqns = new HashSet<string>(StringComparer.Ordinal);
        var remote = new Dictionary<string, McpServerConfig>(StringComparer.Ordinal);
        var given = servers ?? [];
        // Remote servers first: virtual ones refer to them.
        foreach (var virtualPass in (bool[])[false, true])
        {
            for (var i = 0; i < given.Count; i++)
            {
                if ((given[i].Type == McpServerKind.Virtual) != virtualPass) continue;
                var path = $"{Path}[{i}]";
                var server = virtualPass ? ReadVirtual(errors, path, given[i], remote) : ReadRemote(errors, path, given[i]);
                if (server is null) continue;
                if (!names.Add(server.Name))
                {
                    errors.Add(path + ".name", $"duplicate MCP server '{server.Name}'");
                    continue;
                }
                if (!fqns.Add(server.Fqn))
                {
                    errors.Add(path + ".fqn", $"duplicate MCP server fqn '{server.Fqn}'");
                    continue;
                }
                if (!virtualPass) remote[server.Name] = server;
                read.Add(server);
            }
        }
        // Back to file order (virtual ones were read second).
        read.Sort((a, b) => IndexOf(given, a.Name).CompareTo(IndexOf(given, b.Name)));
        var patterns = new List<McpUrlPattern>();
        for (var i = 0; i < (allowedUrls?.Count ?? 0); i++)
        {
            if (McpUrlPattern.TryParse(allowedUrls![i], out var error) is { } pattern) patterns.Add(pattern);
            else errors.Add($"mcp_allowed_urls[{i}]", error!);
        }
        return new McpConfig { Servers = read, AllowedUrls = patterns };
    }

    private static int IndexOf(IReadOnlyList<ConfigFile.McpServer> servers, string name)
    {
        for (var i = 0; i < servers.Count; i++)
        {
            if (servers[i].Name == name) return i;
        }
        return int.MaxValue;
    }

    private static McpServerConfig? ReadRemote(ConfigErrors errors, string path, ConfigFile.McpServer server)
    {
        var (name, fqn) = ReadNames(errors, path, server);
        Uri? url = null;
        if (server.Url is null) errors.Add(path + ".url", "required: the server's Streamable HTTP endpoint");
        else if (!Uri.TryCreate(server.Url, UriKind.Absolute, out url) || url.Scheme is not ("http" or "https") || url.UserInfo.Length > 0)
        {
            errors.Add(path + ".url", $"'{server.Url}' is not an http:// or https:// URL (without user info)");
        }
        if (server.Servers is not null) errors.AddAtKey(path + ".servers", "only virtual servers (type: virtual) combine servers");
        var headers = ReadAuth(errors, path + ".auth", server.Auth);
        var callerHeaders = errors.Valid(path + ".caller_headers", server.CallerHeaders, h => IsHeaderName(h) ? null : $"'{h}' is not an HTTP header name");
        errors.Range(path + ".connect_timeout_ms", server.ConnectTimeoutMs, 100, 600_000);
        errors.Range(path + ".tool_timeout_ms", server.ToolTimeoutMs, 100, 3_600_000);
        errors.Range(path + ".tools_cache_ms", server.ToolsCacheMs, 0, 86_400_000);
        var tools = ReadTools(errors, path + ".tools", server.Tools);
        if (!errors.Clean(path)) return null;
        return new McpServerConfig
        {
            Name = name!,
            Fqn = fqn!,
            Url = url,
            Headers = headers,
            CallerHeaders = callerHeaders,
            Tools = tools,
            ConnectTimeoutMs = server.ConnectTimeoutMs,
            ToolTimeoutMs = server.ToolTimeoutMs,
            ToolsCacheMs = server.ToolsCacheMs,
        };
    }

    private static McpServerConfig? ReadVirtual(ConfigErrors errors, string path, ConfigFile.McpServer server, Dictionary<string, McpServerConfig> remote)
    {
        var (name, fqn) = ReadNames(errors, path, server);
        if (server.Url is not null) errors.AddAtKey(path + ".url", "a virtual server has no url: it combines the tools of its servers");
        if (server.Auth is not null) errors.AddAtKey(path + ".auth", "a virtual server has no auth: each of its servers has its own");
        if (server.Tools is not null) errors.AddAtKey(path + ".tools", "a virtual server lists tools per server (servers[].tools)");
        var callerHeaders = errors.Valid(path + ".caller_headers", server.CallerHeaders, h => IsHeaderName(h) ? null : $"'{h}' is not an HTTP header name");
        var members = new List<McpMemberConfig>();
        if (server.Servers is not { Count: > 0 }) errors.Add(path + ".servers", "required: the servers whose tools this one combines");
        for (var i = 0; i < (server.Servers?.Count ?? 0); i++)
        {
            var p = $"{path}.servers[{i}]";
            var member = server.Servers![i];
            if (member.Server is null)
            {
                errors.Add(p + ".server", "required");
                continue;
            }
            if (!remote.TryGetValue(member.Server, out var target))
            {
                errors.Add(p + ".server", $"'{member.Server}' is not a remote server of mcp_servers");
                continue;
            }
            var tools = ReadTools(errors, p + ".tools", member.Tools);
            if (tools is not null && target.Tools is not null)
            {
                foreach (var t in tools)
                {
                    if (!target.Allows(t)) errors.Add(p + ".tools", $"'{t}' is not in the tools of '{target.Name}'");
                }
            }
            members.Add(new McpMemberConfig(member.Server, tools));
        }
        if (!errors.Clean(path)) return null;
        return new McpServerConfig
        {
            Name = name!,
            Fqn = fqn!,
            Kind = McpServerKind.Virtual,
            CallerHeaders = callerHeaders,
            Members = members,
            ConnectTimeoutMs = server.ConnectTimeoutMs,
            ToolTimeoutMs = server.ToolTimeoutMs,
            ToolsCacheMs = server.ToolsCacheMs,
        };
    }

    private static (string? Name, string? Fqn) ReadNames(ConfigErrors errors, string path, ConfigFile.McpServer server)
    {
        if (server.Name is null) errors.Add(path + ".name", "required");
        else if (!IsName(server.Name)) errors.Add(path + ".name", $"'{server.Name}' is not a server name: lowercase letters, digits, '-' and '_' (it is a URL path segment)");
        var fqn = server.Fqn ?? (server.Name is null ? null : "default:mcp-server:" + server.Name);
        if (server.Fqn is { } f && (f.Length == 0 || f.Any(char.IsWhiteSpace))) errors.Add(path + ".fqn", $"'{f}' is not an FQN: no spaces, not empty");
        return (server.Name, fqn);
    }

    private static IReadOnlyDictionary<string, string> ReadAuth(ConfigErrors errors, string path, ConfigFile.McpAuth? auth)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (auth is null) return headers;
        switch (auth.Type)
        {
            case "header":
                if (auth.Headers is not { Count: > 0 }) errors.Add(path + ".headers", "required for auth type header");
                if (auth.Token is not null) errors.AddAtKey(path + ".token", "auth type header takes headers, not a token");
                foreach (var (k, v) in auth.Headers ?? new Dictionary<string, string>())
                {
                    if (!IsHeaderName(k)) errors.Add($"{path}.headers.{k}", $"'{k}' is not an HTTP header name");
                    else headers[k] = v;
                }
                break;
            case "bearer":
                if (string.IsNullOrEmpty(auth.Token)) errors.Add(path + ".token", "required for auth type bearer (use ${ENV_VAR})");
                else headers["Authorization"] = "Bearer " + auth.Token;
                if (auth.Headers is not null) errors.AddAtKey(path + ".headers", "auth type bearer takes a token, not headers");
                break;
            case null:
                errors.Add(path + ".type", "required: header or bearer");
                break;
            default:
                errors.Add(path + ".type", $"expected header or bearer, got '{auth.Type}'");
                break;
        }
        return headers;
    }

    private static HashSet<string>? ReadTools(ConfigErrors errors, string path, IReadOnlyList<string>? tools)
    {
        if (tools is null) return null;
        var valid = errors.Valid(path, tools, t => string.IsNullOrWhiteSpace(t) ? "tool name must not be empty" : null);
        return new HashSet<string>(valid, StringComparer.Ordinal);
    }

    private static bool IsName(string s) =>
        s.Length is > 0 and <= 128 && s.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_');

    /// <summary>RFC 9110 token characters.</summary>
    internal static bool IsHeaderName(string s) =>
        s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c));
}
