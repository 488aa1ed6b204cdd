using System.Diagnostics;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Gateway.FunctionalTests.Mcp;

/// <summary>
/// The endpoint driven by the official C# SDK client (ModelContextProtocol 2.4.0) with its defaults: it prefers
/// the 2026-07-28 revision, probes with <c>server/discover</c>, and must fall back to <c>initialize</c> at once
/// on the endpoint's "method not found" (not after its 5 s probe timeout).
/// </summary>
public sealed class McpGatewayCSharpClientTests(McpGatewayFixture fixture) : IClassFixture<McpGatewayFixture>
{
    [Fact]
    public async Task Default_csharp_client_connects_lists_and_calls()
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(fixture.UrlOf("everything")),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = McpGatewayFixture.Auth(),
        });
        var connecting = Stopwatch.StartNew();
        await using var client = await McpClient.CreateAsync(transport);
        Assert.True(connecting.Elapsed < TimeSpan.FromSeconds(4), $"connected after {connecting.Elapsed}: the discover probe timed out instead of falling back");
        Assert.Equal("everything", client.ServerInfo?.Name);

        var tools = await client.ListToolsAsync();
        Assert.Equal(["echo", "get-sum"], tools.Select(t => t.Name));
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "from C#" });
        Assert.Equal("Echo: from C#", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text);
        var hidden = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("get-env").AsTask());
        Assert.Equal(McpErrorCode.InvalidParams, hidden.ErrorCode);
    }
}
