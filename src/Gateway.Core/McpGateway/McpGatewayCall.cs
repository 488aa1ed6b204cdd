using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Gateway.Config;
using Gateway.Guardrails;
using Gateway.Mcp;
using Gateway.Proxy;
using Gateway.Tracing;

namespace Gateway.McpGateway;

/// <summary>
/// Answers one JSON-RPC request of the gateway endpoint for one server (plain, or virtual over several members),
/// through the client pool, whose sessions connect, initialize, list and re-initialize lazily inside this
/// request's trace. Everything the servers or the network do wrong comes back as a JSON-RPC error response.
/// </summary>
internal sealed class McpGatewayCall(
    McpClientPool pool,
    McpServerConfig server,
    IReadOnlyList<McpGatewayMember> members,
    IReadOnlyDictionary<string, string>? callerHeaders,
    McpToolGuardrails? guardrails,
    Exchange exchange,
    Activity? span,
    CancellationToken ct)
{
    public Task<McpGatewayAnswer> AnswerAsync(JsonRpcMessage message, string? tool) => message.Method switch
    {
        "initialize" => InitializeAsync(message),
        "ping" => Task.FromResult(Result(message, static json =>
        {
            json.WriteStartObject();
            json.WriteEndObject();
        })),
        "tools/list" => ListAsync(message),
        "tools/call" => CallAsync(message, tool),
        // Spec: "Both parties SHOULD respect capability negotiation"; the endpoint announces tools only.
        _ => Task.FromResult(Error(message, JsonRpcErrorCodes.MethodNotFound, $"Method not found: {message.Method}")),
    };

    /// <summary>
    /// The handshake. The upstream servers are connected and listed here (each pooled session once, in this
    /// request's trace), so a client learns at connect time that a server is down, not at its first call.
    /// </summary>
    private async Task<McpGatewayAnswer> InitializeAsync(JsonRpcMessage message)
    {
        var (tools, failure) = await ListAllAsync(message).ConfigureAwait(false);
        if (failure is not null) return failure;
        McpGatewaySpans.SetNumberOfTools(span, tools!.Count);
        var version = McpProtocolVersions.Negotiate(message.Param("protocolVersion"));
        return Result(message, json =>
        {
            json.WriteStartObject();
            json.WriteString("protocolVersion", version);
            json.WriteStartObject("capabilities");
            json.WriteStartObject("tools");
            json.WriteBoolean("listChanged", false);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteStartObject("serverInfo");
            json.WriteString("name", server.Name);
            json.WriteString("version", GatewayActivitySource.Version);
            json.WriteEndObject();
            json.WriteEndObject();
        });
    }

    private async Task<McpGatewayAnswer> ListAsync(JsonRpcMessage message)
    {
        var (tools, failure) = await ListAllAsync(message).ConfigureAwait(false);
        if (failure is not null) return failure;
        McpGatewaySpans.SetNumberOfTools(span, tools!.Count);
        return Result(message, json =>
        {
            json.WriteStartObject();
            json.WriteStartArray("tools");
            foreach (var (_, tool) in tools) McpToolJson.Write(json, tool);
            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    private async Task<McpGatewayAnswer> CallAsync(JsonRpcMessage message, string? tool)
    {
        if (tool is null) return Error(message, JsonRpcErrorCodes.InvalidParams, "Invalid params: 'name' (the tool) is required.");
        var arguments = "";
        if (message.Params is { } p && p.TryGetProperty("arguments", out var args) && args.ValueKind != JsonValueKind.Null)
        {
            if (args.ValueKind != JsonValueKind.Object) return Error(message, JsonRpcErrorCodes.InvalidParams, "Invalid params: 'arguments' must be an object.");
            arguments = args.GetRawText();
        }
        var (member, failure) = await FindAsync(message, tool).ConfigureAwait(false);
        if (failure is not null) return failure;
        if (member is null)
        {
            // A hidden tool gets the answer an unknown one gets (spec, Tools, Error Handling: "Unknown tools" are
            // protocol errors), so the allow-list does not reveal which tools the server has.
            return Error(message, JsonRpcErrorCodes.InvalidParams, $"Unknown tool: {tool}");
        }
        McpGatewaySpans.SetServedBy(span, member.Server);
        var result = await pool.For(Endpoint(member)).CallToolAsync(tool, null, arguments, exchange, ct, guardrails).ConfigureAwait(false);
        McpGatewaySpans.SetToolOutcome(span, result.IsExecutionError);
        if (result.IsError && !result.IsExecutionError) return Error(message, ErrorCodeOf(result), result.Text, result.ErrorCode);
        return Result(message, json => McpToolJson.WriteResult(json, result));
    }

    /// <summary>The member that serves <paramref name="tool"/>: the only one whose lists allow it, or the first that also lists it.</summary>
    private async Task<(McpGatewayMember? Member, McpGatewayAnswer? Failure)> FindAsync(JsonRpcMessage message, string tool)
    {
        McpGatewayMember? only = null;
        var candidates = 0;
        foreach (var m in members)
        {
            if (!m.Allows(tool)) continue;
            only ??= m;
            candidates++;
        }
        // One candidate: its server decides whether the tool exists (no list needed).
        if (candidates <= 1) return (only, null);
        var (tools, failure) = await ListAllAsync(message).ConfigureAwait(false);
        if (failure is not null) return (null, failure);
        foreach (var (m, t) in tools!)
        {
            if (t.Name == tool) return (m, null);
        }
        return (null, null);
    }

    /// <summary>Every member's visible tools, members in config order, listed in parallel; the first name wins when two members have one tool name.</summary>
    private async Task<(List<(McpGatewayMember Member, McpTool Tool)>? Tools, McpGatewayAnswer? Failure)> ListAllAsync(JsonRpcMessage message)
    {
        var lists = new Task<IReadOnlyList<McpTool>>[members.Count];
        for (var i = 0; i < members.Count; i++) lists[i] = pool.For(Endpoint(members[i])).ListToolsAsync(exchange, ct);
        try
        {
            await Task.WhenAll(lists).ConfigureAwait(false);
        }
        catch (McpConnectException)
        {
            // Reported below for the first member (in config order) that failed; every list has ended.
        }
        var tools = new List<(McpGatewayMember, McpTool)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < members.Count; i++)
        {
            if (lists[i].Exception?.InnerException is McpConnectException e)
            {
                McpGatewaySpans.SetServedBy(span, members[i].Server);
                return (null, Error(message, JsonRpcErrorCodes.InternalError, e.Message, e.Code));
            }
            foreach (var tool in lists[i].Result)
            {
                if (members[i].Allows(tool.Name) && seen.Add(tool.Name)) tools.Add((members[i], tool));
            }
        }
        return (tools, null);
    }

    /// <summary>A member's pooled endpoint, with the caller's headers for the endpoint's server (a virtual server's go to each member, as in the agent API).</summary>
    private McpEndpoint Endpoint(McpGatewayMember member) => McpEndpoint.For(member.Server, callerHeaders);

    /// <summary>
    /// A server's JSON-RPC error keeps its code; the pool's own failures map to invalid params (refused arguments, a
    /// guardrail's block of the call or its result) or internal error (timeout, unreachable, a guardrail that could not run).
    /// </summary>
    private static int ErrorCodeOf(McpToolResult result) =>
        int.TryParse(result.ErrorCode, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var code) ? code
        : result.ErrorCode is "tool_not_allowed" or "invalid_arguments" or "guardrail_violation" ? JsonRpcErrorCodes.InvalidParams
        : JsonRpcErrorCodes.InternalError;

    private static McpGatewayAnswer Result(JsonRpcMessage message, Action<Utf8JsonWriter> write) => new(JsonRpcResponses.Result(message.Id, write));

    /// <param name="gatewayCode">The gateway's own code (<c>timeout</c>, <c>unreachable</c>) as the error's <c>data.code</c>.</param>
    private static McpGatewayAnswer Error(JsonRpcMessage message, int code, string text, string? gatewayCode = null)
    {
        Action<Utf8JsonWriter>? data = gatewayCode is null || int.TryParse(gatewayCode, CultureInfo.InvariantCulture, out _) ? null : json =>
        {
            json.WriteStartObject();
            json.WriteString("code", gatewayCode);
            json.WriteEndObject();
        };
        return new(JsonRpcResponses.Error(message.Id, code, text, data), code, text);
    }
}
