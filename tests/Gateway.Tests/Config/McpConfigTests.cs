using Gateway.Config;

namespace Gateway.Tests.Config;

public sealed class McpConfigTests
{
    [Fact]
    public void McpServers_FullShape_Parses()
    {
        var config = ConfigText.Load(ConfigText.Providers + """

            mcp_servers:
              - name: combo
                type: virtual
                servers:
                  - server: everything
                    tools: [echo]
                  - server: github
              - name: everything
                url: http://127.0.0.1:3001/mcp
                tools: [echo, add]
                caller_headers: [X-User-Token]
                connect_timeout_ms: 2000
                tool_timeout_ms: 5000
                tools_cache_ms: 0
              - name: github
                fqn: acme:mcp-server:github
                url: https://api.githubcopilot.com/mcp/
                auth: {type: bearer, token: "${GH_TOKEN}"}
              - name: keyed
                url: https://mcp.example.com/mcp
                auth: {type: header, headers: {X-Api-Key: "${KEY}"}}
            mcp_allowed_urls:
              - http://127.0.0.1:*/mcp
              - https://*.example.com/*
            """, new Dictionary<string, string> { ["GH_TOKEN"] = "ghp_1", ["KEY"] = "k1" });

        var mcp = config.Mcp;
        Assert.Equal(["combo", "everything", "github", "keyed"], mcp.Servers.Select(s => s.Name));
        var combo = mcp.Find("combo")!;
        Assert.True(combo.IsVirtual);
        Assert.Equal("default:mcp-server:combo", combo.Fqn);
        Assert.Equal(["everything", "github"], combo.Members.Select(m => m.Server));
        Assert.True(combo.Members[0].Allows("echo"));
        Assert.False(combo.Members[0].Allows("add"));
        Assert.True(combo.Members[1].Allows("anything"));
        var everything = mcp.Find("everything")!;
        Assert.Equal(new Uri("http://127.0.0.1:3001/mcp"), everything.Url);
        Assert.True(everything.Allows("add"));
        Assert.False(everything.Allows("printEnv"));
        Assert.True(everything.AllowsCallerHeader("x-user-token"));
        Assert.False(everything.AllowsCallerHeader("Authorization"));
        Assert.Equal((2000, 5000, 0), (everything.ConnectTimeoutMs, everything.ToolTimeoutMs, everything.ToolsCacheMs));
        Assert.Same(mcp.Find("acme:mcp-server:github"), mcp.Find("github"));
        Assert.Equal("Bearer ghp_1", mcp.Find("github")!.Headers["Authorization"]);
        Assert.Null(mcp.Find("github")!.Tools);
        Assert.Equal("k1", mcp.Find("keyed")!.Headers["X-Api-Key"]);
        Assert.Equal(McpServerConfig.DefaultToolTimeoutMs, mcp.Find("keyed")!.ToolTimeoutMs);
        Assert.True(mcp.IsUrlAllowed(new Uri("http://127.0.0.1:45123/mcp")));
        Assert.True(mcp.IsUrlAllowed(new Uri("https://tools.example.com/v1/mcp")));
        Assert.False(mcp.IsUrlAllowed(new Uri("http://127.0.0.1:45123/other")));
        Assert.False(mcp.IsUrlAllowed(new Uri("http://169.254.169.254/latest/meta-data")));
    }

    [Fact]
    public void No_section_means_no_servers_and_no_urls()
    {
        var config = ConfigText.Load(ConfigText.Providers);

        Assert.Empty(config.Mcp.Servers);
        Assert.False(config.Mcp.IsUrlAllowed(new Uri("http://127.0.0.1:3001/mcp")));
    }

    [Fact]
    public void McpServers_Errors_name_their_line()
    {
        var errors = ConfigText.Errors(ConfigText.Providers + """

            mcp_servers:
              - name: Bad Name
                url: http://x/mcp
              - name: nourl
              - name: ftp
                url: ftp://x/mcp
                auth: {type: basic}
              - name: bearer
                url: http://x/mcp
                auth: {type: bearer}
                tool_timeout_ms: 10
              - name: v
                type: virtual
                url: http://x/mcp
                servers: [{server: nope}, {server: ftp}]
              - name: nourl
                url: http://y/mcp
                caller_headers: ["bad header"]
            mcp_allowed_urls: [file:///etc/passwd, "http://user@host/mcp"]
            """);

        Assert.Equal(
        [
            "test.yaml:12:11: mcp_servers[0].name: 'Bad Name' is not a server name: lowercase letters, digits, '-' and '_' (it is a URL path segment)",
            "test.yaml:14:5: mcp_servers[1].url: required: the server's Streamable HTTP endpoint",
            "test.yaml:16:10: mcp_servers[2].url: 'ftp://x/mcp' is not an http:// or https:// URL (without user info)",
            "test.yaml:17:18: mcp_servers[2].auth.type: expected header or bearer, got 'basic'",
            "test.yaml:20:11: mcp_servers[3].auth.token: required for auth type bearer (use ${ENV_VAR})",
            "test.yaml:21:22: mcp_servers[3].tool_timeout_ms: must be between 100 and 3600000, got 10",
            "test.yaml:24:5: mcp_servers[4].url: a virtual server has no url: it combines the tools of its servers",
            "test.yaml:25:24: mcp_servers[4].servers[0].server: 'nope' is not a remote server of mcp_servers",
            "test.yaml:25:40: mcp_servers[4].servers[1].server: 'ftp' is not a remote server of mcp_servers",
            "test.yaml:28:22: mcp_servers[5].caller_headers[0]: 'bad header' is not an HTTP header name",
            "test.yaml:29:20: mcp_allowed_urls[0]: 'file:///etc/passwd' is not an http:// or https:// URL pattern",
            "test.yaml:29:40: mcp_allowed_urls[1]: 'http://user@host/mcp': user info, query or fragment in the host part are not allowed",
        ], errors);
    }
}
