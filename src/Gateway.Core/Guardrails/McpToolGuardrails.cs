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
        var forSpans = SameText(run.SpanParts, values) ? null : whole ? run.SpanParts[0] : Spliced(bytes, parts!, run.SpanParts);
        if (run.Blocked is not null || !run.Mutated) return new McpGuardrailResult(argumentsJson, false, run.Blocked, run.Triggered) { SpanContent = forSpans ?? argumentsJson };
        var content = whole ? run.Parts[0] : Spliced(bytes, parts!, run.Parts);
        return new McpGuardrailResult(content, true, null, run.Triggered) { SpanContent = forSpans ?? content };
    }

    private static string Spliced(byte[] json, List<TextPart> parts, IReadOnlyList<string> values)
    {
        var spliced = JsonTextParts.Splice(json, parts, values, out var length);
        try
        {
            return System.Text.Encoding.UTF8.GetString(spliced, 0, length);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(spliced);
        }
    }

    private static bool SameText(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a.Count != b.Count) return false;
        for (var i = 0; i < a.Count; i++)
        {
            if (!string.Equals(a[i], b[i], StringComparison.Ordinal)) return false;
        }
        return true;
    }

    /// <summary>Checks a tool's result text before the model sees it (prompt injection in a fetched page, secrets in a file).</summary>
    public async ValueTask<McpGuardrailResult> PostInvokeAsync(string server, string tool, string resultText, Subject subject, IReadOnlyDictionary<string, string> metadata, Exchange? exchange, CancellationToken ct)
    {
        var guardrails = engine.ForTool(GuardrailHook.McpToolPostInvoke, subject, server, tool, metadata);
        if (guardrails.Count == 0) return new McpGuardrailResult(resultText, false, null, []);
        var check = new GuardrailCheck(GuardrailHook.McpToolPostInvoke, [resultText], subject, metadata, GuardedEntity.McpTool(server, tool));
        var run = await engine.RunAsync(guardrails, check, exchange, ct).ConfigureAwait(false);
        Record(exchange, run);
        var mutated = run.Mutated && run.Blocked is null;
        return new McpGuardrailResult(mutated ? run.Parts[0] : resultText, mutated, run.Blocked, run.Triggered) { SpanContent = run.SpanParts[0] };
    }

    private static void Record(Exchange? exchange, GuardrailRun run)
    {
        if (exchange is null || run.Triggered.Count == 0) return;
        // Merged with what the request's own hooks triggered (kept on the exchange's trace root).
        GuardrailSpans.AddTriggered(exchange, run.Triggered);
    }
}
