using Gateway.Config;
using Gateway.Mcp;
using Gateway.McpGateway;
using Gateway.OpenAI;
using Gateway.Proxy;

namespace Gateway.Agents;

/// <summary>
/// Turns the request's <c>mcp_servers</c> into sessions (configured servers by name or FQN, virtual servers into
/// their members, URLs only when <c>mcp_allowed_urls</c> allows them) and lists the tools the model is offered.
/// </summary>
internal static class AgentToolbox
{
    public static GatewayError? TryResolve(AgentRequest request, McpConfig config, string? callerHeaderJson, McpClientPool pool, out List<AgentServer> servers)
    {
        servers = [];
        var refs = request.McpServers ?? [];
        for (var i = 0; i < refs.Count; i++)
        {
            var r = refs[i];
            var param = $"mcp_servers[{i}]";
            var requested = r.EnableAllTools == true || r.Tools is null ? null : r.Tools.Select(t => t.Name!).ToList();
            if (r.Url is { } text)
            {
                if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                {
                    return GatewayError.InvalidField(param + ".url", $"'{text}' is not an http:// or https:// URL.");
                }
                if (!config.IsUrlAllowed(url)) return AgentErrors.UrlNotAllowed(param + ".url", SpanSafe(url));
                var endpoint = McpEndpoint.ForUrl(url, r.Headers);
                servers.Add(new AgentServer(pool.For(endpoint), null, requested, param, endpoint.Name));
                continue;
            }
            var name = r.IntegrationFqn ?? r.Name!;
            var field = r.IntegrationFqn is null ? ".name" : ".integration_fqn";
            if (config.Find(name) is not { } server) return AgentErrors.ServerNotFound(param + field, name);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            // x-tfy-mcp-headers, read as on the MCP gateway endpoint: this server's entry, its caller_headers checked.
            if (McpCallerHeaders.TryParse(callerHeaderJson, server, out var fromHeader) is { } headerError) return headerError;
            foreach (var (k, v) in fromHeader ?? new Dictionary<string, string>()) headers[k] = v;
            foreach (var (k, v) in r.Headers ?? new Dictionary<string, string>()) headers[k] = v;
            foreach (var k in headers.Keys)
            {
                if (!server.AllowsCallerHeader(k)) return AgentErrors.HeaderNotAllowed(param + ".headers", server.Name, k);
            }
            if (!server.IsVirtual)
            {
                servers.Add(new AgentServer(pool.For(McpEndpoint.For(server, headers)), null, requested, param, server.Name));
                continue;
            }
            foreach (var member in server.Members)
            {
                var target = config.Find(member.Server)!;
                servers.Add(new AgentServer(pool.For(McpEndpoint.For(target, headers)), member.Tools, requested, param, server.Name));
            }
        }
        return null;
    }

    /// <summary>
    /// Lists every server's tools (in parallel; each session lists in the request's trace when it must) and
    /// keeps the ones the config, the virtual server and the request allow. Names the model sees are the tools'
    /// own; a name two servers share becomes <c>&lt;server&gt;__&lt;tool&gt;</c> for the later one.
    /// </summary>
    public static async Task<(List<AgentTool>? Tools, GatewayError? Error)> ListAsync(List<AgentServer> servers, Exchange exchange, CancellationToken ct)
    {
        var listings = servers.Select(s => ListOneAsync(s, exchange, ct)).ToArray();
        await Task.WhenAll(listings).ConfigureAwait(false);
        var tools = new List<AgentTool>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < servers.Count; i++)
        {
            var (listed, error) = listings[i].Result;
            if (error is not null) return (null, error);
            var server = servers[i];
            var offered = listed!.Where(t => server.MemberTools?.Contains(t.Name) ?? true).ToList();
            if (server.Requested is { } requested)
            {
                for (var t = 0; t < requested.Count; t++)
                {
                    // A virtual server's member need not have every requested tool; one of its members must.
                    if (!offered.Exists(o => o.Name == requested[t]) && !IsOfferedByAnother(servers, listings, i, requested[t]))
                    {
                        return (null, AgentErrors.ToolNotFound($"{server.Param}.tools[{t}].name", server.DisplayName, requested[t]));
                    }
                }
                offered = offered.Where(o => requested.Contains(o.Name)).ToList();
            }
            foreach (var tool in offered)
            {
                var exposed = names.Add(tool.Name) ? tool.Name : server.Session.Endpoint.Name + "__" + tool.Name;
                names.Add(exposed);
                tools.Add(new AgentTool(exposed, tool, server.Session));
            }
        }
        return (tools, null);
    }

    private static bool IsOfferedByAnother(List<AgentServer> servers, Task<(IReadOnlyList<McpTool>? Tools, GatewayError? Error)>[] listings, int index, string tool)
    {
        for (var j = 0; j < servers.Count; j++)
        {
            if (j == index || servers[j].Param != servers[index].Param || listings[j].Result.Tools is not { } listed) continue;
            if (listed.Any(t => t.Name == tool && (servers[j].MemberTools?.Contains(tool) ?? true))) return true;
        }
        return false;
    }

    private static async Task<(IReadOnlyList<McpTool>? Tools, GatewayError? Error)> ListOneAsync(AgentServer server, Exchange exchange, CancellationToken ct)
    {
        try
        {
            return (await server.Session.ListToolsAsync(exchange, ct).ConfigureAwait(false), null);
        }
        catch (McpConnectException e)
        {
            return (null, AgentErrors.ServerUnavailable(server.DisplayName, e.Message));
        }
    }

    private static string SpanSafe(Uri url) => Tracing.SpanUrl.Of(url) ?? "";
}
