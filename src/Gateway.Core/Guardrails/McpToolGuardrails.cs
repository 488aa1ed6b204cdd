using Gateway.Auth;
using Gateway.Config;
using Gateway.Proxy;

namespace Gateway.Guardrails;

/// <summary>
/// The MCP tool hooks (mcp_tool_pre_invoke_guardrails, mcp_tool_post_invoke_guardrails) for the code that calls
/// MCP tools: <see cref="Mcp.McpSession.CallToolAsync"/> runs them for the agent loop and the MCP gateway endpoint
/// (docs/guardrails.md, "MCP tools"). Rules match on subject, metadata and <c>when.mcp_servers</c> (<c>server</c>
/// or <c>server:tool</c>); each guardrail run gets its <c>Guardrail</c> span, applied on entity type <c>mcp_tool</c>,
/// id <c>server:tool</c>. A blocked result's <see cref="McpGuardrailResult.Error"/> says why; otherwise go on with
/// <see cref="McpGuardrailResult.Content"/> (rewritten when mutated).
/// </summary>
internal sealed class McpToolGuardrails(GuardrailEngine engine)
{
    public GuardrailEngine Engine => engine;

    /// <summary>
    /// Checks a tool call's arguments (a JSON object): every string value in it is a text part, so a redaction
    /// keeps the JSON valid. Non-JSON arguments are checked as one text.
    /// </summary>
    /// <param name="exchange">The request the call belongs to (spans nest under its root and carry its subject); null outside one.</param>
    public async ValueTask<McpGuardrailResult> PreInvokeAsync(string server, string tool, string argumentsJson, Subject subject, IReadOnlyDictionary<string, string> metadata, Exchange? exchange, CancellationToken ct)
    {
        var guardrails = engine.ForTool(GuardrailHook.McpToolPreInvoke, subject, server, tool, metadata);
        if (guardrails.Count == 0) return new McpGuardrailResult(argumentsJson, false, null, []);
        var bytes = System.Text.Encoding.UTF8.GetBytes(argumentsJson);
        var parts = JsonTextParts.ReadStrings(bytes);
        var whole = parts is null;
        IReadOnlyList<string> values = whole ? [argumentsJson] : JsonTextParts.Values(parts!);
        var check = new GuardrailCheck(GuardrailHook.McpToolPreInvoke, values, subject, metadata, GuardedEntity.McpTool(server, tool));
        var run = await engine.RunAsync(guardrails, check, exchange, ct).ConfigureAwait(false);
        Record(exchange, run);
        if (run.Blocked is not null || !run.Mutated) return new McpGuardrailResult(argumentsJson, false, run.Blocked, run.Triggered);
        if (whole) return new McpGuardrailResult(run.Parts[0], true, null, run.Triggered);
        var spliced = JsonTextParts.Splice(bytes, parts!, run.Parts, out var length);
        try
        {
            return new McpGuardrailResult(System.Text.Encoding.UTF8.GetString(spliced, 0, length), true, null, run.Triggered);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(spliced);
        }
    }

    /// <summary>Checks a tool's result text before the model sees it (prompt injection in a fetched page, secrets in a file).</summary>
    public async ValueTask<McpGuardrailResult> PostInvokeAsync(string server, string tool, string resultText, Subject subject, IReadOnlyDictionary<string, string> metadata, Exchange? exchange, CancellationToken ct)
    {
        var guardrails = engine.ForTool(GuardrailHook.McpToolPostInvoke, subject, server, tool, metadata);
        if (guardrails.Count == 0) return new McpGuardrailResult(resultText, false, null, []);
        var check = new GuardrailCheck(GuardrailHook.McpToolPostInvoke, [resultText], subject, metadata, GuardedEntity.McpTool(server, tool));
        var run = await engine.RunAsync(guardrails, check, exchange, ct).ConfigureAwait(false);
        Record(exchange, run);
        return new McpGuardrailResult(run.Mutated && run.Blocked is null ? run.Parts[0] : resultText, run.Mutated && run.Blocked is null, run.Blocked, run.Triggered);
    }

    private static void Record(Exchange? exchange, GuardrailRun run)
    {
        if (exchange is null || run.Triggered.Count == 0) return;
        // Merged with what the request's own hooks triggered (kept on the exchange's trace root).
        GuardrailSpans.AddTriggered(exchange, run.Triggered);
    }
}
