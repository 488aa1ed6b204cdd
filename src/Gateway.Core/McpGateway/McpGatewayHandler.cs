using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using Gateway.Auth;
using Gateway.Config;
using Gateway.Guardrails;
using Gateway.Mcp;
using Gateway.OpenAI;
using Gateway.Proxy;
using Gateway.Tracing;
using Microsoft.AspNetCore.Http;

namespace Gateway.McpGateway;

/// <summary>
/// <c>/mcp/v1/&lt;server-name&gt;/mcp</c>: one governed door to the configured MCP servers for MCP clients (IDEs,
/// agent frameworks), over MCP's Streamable HTTP transport (spec 2025-11-25, Transports). The caller is
/// authenticated with the gateway's API keys before this runs. Each POST carries one JSON-RPC message;
/// requests are answered with one JSON response (the transport lets a server answer "Content-Type:
/// application/json" instead of opening a stream), notifications and responses with 202. The endpoint keeps
/// no session of its own (no <c>Mcp-Session-Id</c>), so any replica serves any message; the pool's upstream
/// sessions are the only state.
/// </summary>
/// <remarks>
/// Served: <c>initialize</c> (the upstream servers are connected and listed, lazily, in its trace),
/// <c>ping</c>, <c>tools/list</c> (each server's allow-list, and a virtual server's selection, applied) and
/// <c>tools/call</c> (a tool the lists hide answers the JSON-RPC error an unknown tool gets). Other methods
/// answer "method not found": the endpoint announces the tools capability only.
/// </remarks>
internal sealed class McpGatewayHandler(GatewayRuntime runtime, TracingListener? tracing)
{
    public const string PathPrefix = "/mcp/v1/";
    private const string PathSuffix = "/mcp";
    private const string ProtocolVersionHeader = "MCP-Protocol-Version";

    public static bool Serves(string path) => path.StartsWith(PathPrefix, StringComparison.Ordinal);

    public async Task HandleAsync(HttpContext http, Subject subject)
    {
        var path = http.Request.Path.Value ?? "";
        var name = ServerName(path);
        if (name is null)
        {
            await ErrorWriter.WriteAsync(http, GatewayError.NotFound(path)).ConfigureAwait(false);
            return;
        }
        var snapshot = runtime.Current;
        var mcp = snapshot.Config.Mcp;
        if (mcp.Find(name) is not { } server)
        {
            await ErrorWriter.WriteAsync(http, McpGatewayErrors.ServerNotFound(name)).ConfigureAwait(false);
            return;
        }
        if (!HttpMethods.IsPost(http.Request.Method))
        {
            // Spec: "The server MUST either return Content-Type: text/event-stream in response to this HTTP GET,
            // or else return HTTP 405 Method Not Allowed"; with no session there is nothing to DELETE either.
            http.Response.Headers.Allow = "POST";
            await ErrorWriter.WriteAsync(http, McpGatewayErrors.MethodNotAllowed(http.Request.Method, path)).ConfigureAwait(false);
            return;
        }
        var headerError = McpCallerHeaders.TryParse(http.Request.Headers[McpCallerHeaders.HeaderName].ToString(), server, out var callerHeaders);
        // Operation is the type's required field, for model calls; the MCP spans read the subject, metadata and trace context only.
        var exchange = new Exchange { Operation = default, StartTimestamp = Stopwatch.GetTimestamp(), Subject = subject };
        if (headerError is not null || !RequestContextHeaders.TryApply(http.Request.Headers, exchange, out _, out headerError))
        {
            await ErrorWriter.WriteAsync(http, headerError!).ConfigureAwait(false);
            return;
        }
        var (readError, buffer, length) = await RequestIntake.ReadAsync(http, snapshot.Config.Server.MaxRequestBodyBytes).ConfigureAwait(false);
        if (readError is not null)
        {
            await ErrorWriter.WriteAsync(http, readError).ConfigureAwait(false);
            return;
        }
        try
        {
            await ServeAsync(http, server, McpGatewayMember.Of(server, mcp), callerHeaders, runtime.Guardrails.McpFor(snapshot.Config), exchange, buffer.AsMemory(0, length), snapshot.Config.Tracing).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer!);
        }
    }

    /// <summary>The name in <c>/mcp/v1/&lt;name&gt;/mcp</c>; null for any other shape.</summary>
    private static string? ServerName(string path)
    {
        if (!path.EndsWith(PathSuffix, StringComparison.Ordinal) || path.Length <= PathPrefix.Length + PathSuffix.Length) return null;
        var name = Uri.UnescapeDataString(path[PathPrefix.Length..^PathSuffix.Length]);
        return name.Length == 0 || name.Contains('/') ? null : name;
    }

    private async Task ServeAsync(HttpContext http, McpServerConfig server, IReadOnlyList<McpGatewayMember> members,
        IReadOnlyDictionary<string, string>? callerHeaders, McpToolGuardrails? guardrails, Exchange exchange, ReadOnlyMemory<byte> body, TracingOptions options)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            await WriteAsync(http, 400, JsonRpcResponses.Error(null, JsonRpcErrorCodes.ParseError, "Parse error: " + e.Message)).ConfigureAwait(false);
            return;
        }
        using (document)
        {
            if (JsonRpcMessage.Read(document.RootElement, out var invalid) is not { } message)
            {
                await WriteAsync(http, 400, JsonRpcResponses.Error(null, JsonRpcErrorCodes.InvalidRequest, "Invalid Request: " + invalid)).ConfigureAwait(false);
                return;
            }
            if (!message.IsRequest)
            {
                // Spec: notifications and responses are answered "HTTP status code 202 Accepted" with no body.
                http.Response.StatusCode = StatusCodes.Status202Accepted;
                return;
            }
            var versionHeader = http.Request.Headers[ProtocolVersionHeader].ToString();
            if (versionHeader.Length > 0 && message.Method != "initialize" && !McpProtocolVersions.IsSupported(versionHeader))
            {
                // Spec: "If the server receives a request with an invalid or unsupported MCP-Protocol-Version, it MUST respond with 400 Bad Request."
                await WriteAsync(http, 400, UnsupportedVersion(message, versionHeader)).ConfigureAwait(false);
                return;
            }
            var tool = message.Method == "tools/call" ? message.Param("name") : null;
            exchange.TraceParent = http.Request.Headers[TraceContext.TraceParentHeader].ToString() is { Length: > 0 } tp ? tp : null;
            exchange.TraceState = http.Request.Headers[TraceContext.TraceStateHeader].ToString() is { Length: > 0 } ts ? ts : null;
            var previous = Activity.Current;
            using var root = tracing?.StartRoot(exchange, McpGatewaySpans.Name(message.Method!, tool), SpanTypes.Mcp);
            try
            {
                McpGatewaySpans.SetRequest(root, server, message, tool, versionHeader.Length > 0 ? versionHeader : null, options);
                var call = new McpGatewayCall(runtime.Mcp, server, members, callerHeaders, guardrails, exchange, root, http.RequestAborted);
                var answer = await call.AnswerAsync(message, tool).ConfigureAwait(false);
                McpGatewaySpans.SetAnswer(root, answer.Body, answer.ErrorCode, answer.ErrorMessage, 200, exchange.LatencyMs, options);
                await WriteAsync(http, 200, answer.Body).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
            {
                // The client went away: its cancellation reached the server call through the pool; nobody reads an answer.
                McpGatewaySpans.SetClientGone(root, exchange.LatencyMs);
            }
            finally
            {
                Activity.Current = previous;
            }
        }
    }

    private static byte[] UnsupportedVersion(JsonRpcMessage message, string requested) =>
        JsonRpcResponses.Error(message.Id, JsonRpcErrorCodes.InvalidRequest, $"Unsupported protocol version: {requested}", json =>
        {
            json.WriteStartObject();
            json.WriteStartArray("supported");
            foreach (var v in McpProtocolVersions.Supported) json.WriteStringValue(v);
            json.WriteEndArray();
            json.WriteString("requested", requested);
            json.WriteEndObject();
        });

    private static Task WriteAsync(HttpContext http, int status, byte[] body)
    {
        var response = http.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, http.RequestAborted).AsTask();
    }
}
