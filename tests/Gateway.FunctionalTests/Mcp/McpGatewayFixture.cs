using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Mcp;

/// <summary>
/// The gateway (in process, or the AOT binary) with API keys and three MCP servers behind its endpoint:
/// <c>everything</c> (the reference server, allow-list echo and get-sum), <c>faulty</c> (the tests' own,
/// every tool, a short tool timeout (5 s: long enough for a session re-opened on a loaded machine), one caller header), <c>patient</c> (faulty again, with a long tool timeout), <c>down</c> (nothing listens there) and the virtual <c>combo</c> (echo of the first,
/// add and fail of the second). The key is an admin's, so the span tests read the spans back with it. Shared by a test class; each test reads only what its own requests did.
/// </summary>
public sealed class McpGatewayFixture : IAsyncLifetime
{
    public const string Key = "sk-mcp-user";
    public const string Subject = "user:mcp@example.com";

    public EverythingServer Everything { get; private set; } = null!;
    public FaultyMcpServer Faulty { get; private set; } = null!;
    public GatewayUnderTest Gateway { get; private set; } = null!;

    public string UrlOf(string server) => new Uri(Gateway.BaseUrl, $"/mcp/v1/{server}/mcp").ToString();

    public static Dictionary<string, string> Auth(string key = Key) => new() { ["authorization"] = "Bearer " + key };

    public async Task InitializeAsync()
    {
        Everything = await EverythingServer.StartAsync();
        Faulty = await FaultyMcpServer.StartAsync();
        Gateway = await GatewayUnderTest.StartAsync($$"""
            auth:
              api_keys:
                - key: ${MCP_KEY}
                  subject: {{Subject}}
                  teams: [tools]
                  admin: true
            providers:
              - name: mock
                type: mock
                models: [echo]
            mcp_servers:
              - name: everything
                url: {{Everything.Url}}
                tools: [echo, get-sum]
              - name: faulty
                url: {{Faulty.Url}}
                tool_timeout_ms: 5000
                caller_headers: [X-User-Token]
              - name: patient
                url: {{Faulty.Url}}
                tool_timeout_ms: 60000
              - name: down
                url: http://127.0.0.1:1/mcp
                connect_timeout_ms: 3000
              - name: combo
                type: virtual
                servers:
                  - server: everything
                    tools: [echo]
                  - server: faulty
                    tools: [add, fail]
            """, new Dictionary<string, string> { ["MCP_KEY"] = Key });
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Faulty.DisposeAsync();
        await Everything.DisposeAsync();
    }
}
