using System.ComponentModel;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Gateway.FunctionalTests.Mcp;

/// <summary>The tools of <see cref="FaultyMcpServer"/>: each one a way for a tool call to go wrong, or to show what arrived.</summary>
[McpServerToolType]
public sealed class FaultyTools
{
    [McpServerTool(Name = "add"), Description("Adds two integers.")]
    public static string Add(int a, int b) => (a + b).ToString(System.Globalization.CultureInfo.InvariantCulture);

    [McpServerTool(Name = "fail"), Description("Always fails: a tool execution error (isError: true) with the given message.")]
    public static CallToolResult Fail(string message) => new() { IsError = true, Content = [new TextContentBlock { Text = message }] };

    [McpServerTool(Name = "protocol_error"), Description("Always answers a JSON-RPC error (invalid params) with the given message.")]
    public static string ProtocolError(string message) => throw new McpProtocolException(message, McpErrorCode.InvalidParams);

    [McpServerTool(Name = "slow"), Description("Answers after the given number of milliseconds.")]
    public static async Task<string> Slow(int ms, CancellationToken cancellationToken)
    {
        await Task.Delay(ms, cancellationToken);
        return $"slept {ms} ms";
    }

    [McpServerTool(Name = "drop_session"), Description("Ends the caller's session: its next request answers 404 and the client must initialize again.")]
    public static string DropSession(IHttpContextAccessor http, FaultyMcpServer server)
    {
        var id = http.HttpContext!.Request.Headers["Mcp-Session-Id"].ToString();
        server.Drop(id);
        return "dropped " + id;
    }

    [McpServerTool(Name = "echo_headers"), Description("Answers the HTTP request headers this call arrived with, as a JSON object.")]
    public static string EchoHeaders(IHttpContextAccessor http) =>
        JsonSerializer.Serialize(http.HttpContext!.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()));
}
