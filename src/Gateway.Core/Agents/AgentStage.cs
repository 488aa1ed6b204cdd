using System.Text.Json;
using Gateway.Mcp;
using Gateway.OpenAI;
using Gateway.OpenAI.Wire;
using Gateway.Pipeline;
using Microsoft.Extensions.Logging;

namespace Gateway.Agents;

/// <summary>
/// The tool loop of <c>POST /agent/responses</c>, the last stage of the agent request (after authenticate, read
/// and trace): resolve the request's MCP servers, list their tools, then call the model with them, run the
/// tool calls it makes (in parallel), feed the results back, until it answers without tool calls or
/// <c>max_iterations</c> turns have run. Tool failures go back to the model as tool results. Each model turn
/// runs the turn stages (<see cref="RequestPath.TurnRunnerFor"/>): limits, routing, retries and fallback apply to it.
/// </summary>
internal sealed class AgentStage(McpClientPool pool, Func<GatewayRuntime.Snapshot, StageRunner> turns, ILogger logger) : IRequestStage
{
    private static long s_ids;

    public string Name => "agent";

    public async ValueTask<GatewayError?> RunAsync(RequestContext context, CancellationToken ct)
    {
        var http = context.Http;
        var exchange = context.Exchange;
        var root = AgentTrace.Root(exchange);
        AgentTrace.SetRequest(root, http.Request);
        if (!AgentRequestReader.TryRead(context.BodyMemory.Span, out var request, out var error)) return error;
        error = AgentToolbox.TryResolve(request, context.Snapshot.Config.Mcp, http.Request.Headers[McpGateway.McpCallerHeaders.HeaderName], pool, out var servers);
        if (error is not null) return error;
        var (tools, listError) = await AgentToolbox.ListAsync(servers, exchange, ct).ConfigureAwait(false);
        if (listError is not null) return listError;

        var id = "agent-" + Interlocked.Increment(ref s_ids).ToString(System.Globalization.CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..12];
        var writer = new AgentWriter(http.Response, id, request.Model!, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        if (request.Stream) writer.StartStream();
        var runner = turns(context.Snapshot);
        var messages = request.Messages.EnumerateArray().Select(m => m.GetRawText()).ToList();
        var transcript = new List<AgentToolCall>();
        var maxIterations = request.MaxIterations ?? AgentRequest.DefaultMaxIterations;
        long input = 0, output = 0;
        TurnResult? last = null;
        var iterations = 0;
        string? finishReason = null;
        while (iterations < maxIterations)
        {
            iterations++;
            var body = AgentTurn.Body(request, messages, tools!, request.Stream);
            last = await AgentTurn.RunAsync(context, runner, body, request.Stream ? writer.TextAsync : null, ct).ConfigureAwait(false);
            if (last.Error is not null)
            {
                exchange.ErrorMessage = last.Error.Message;
                return last.Error;
            }
            input += last.InputTokens;
            output += last.OutputTokens;
            AgentTrace.SetTurn(root, exchange, iterations - 1, last);
            if (last.ToolCalls.Count == 0)
            {
                finishReason = last.FinishReason ?? "stop";
                break;
            }
            messages.Add(AssistantMessage(last));
            var calls = last.ToolCalls.Select((c, i) => new AgentToolCall(iterations, c.Id ?? $"call_{iterations}_{i}", "", c.Function?.Name ?? "", c.Function?.Arguments ?? "")).ToList();
            for (var i = 0; i < calls.Count; i++)
            {
                var tool = tools!.Find(t => t.ExposedName == calls[i].Name);
                calls[i] = calls[i] with { Server = tool?.Session.Endpoint.Name ?? "" };
                if (request.Stream) await writer.ToolCallAsync(calls[i]).ConfigureAwait(false);
            }
            await Task.WhenAll(calls.Select(call => CallAsync(call, tools!, exchange, ct))).ConfigureAwait(false);
            foreach (var call in calls)
            {
                messages.Add(ToolMessage(call));
                transcript.Add(call);
                if (request.Stream) await writer.ToolResultAsync(call).ConfigureAwait(false);
            }
        }
        // The last turn still asked for tools: the loop stopped at max_iterations, not at an answer.
        finishReason ??= "max_iterations";
        var answer = last?.Content;
        AgentTrace.SetResult(root, exchange, answer, finishReason, input, output, iterations, transcript.Count);
        AgentLog.Finished(logger, iterations, transcript.Count, finishReason);
        if (request.Stream)
        {
            await writer.FinishAsync(finishReason, input, output, iterations).ConfigureAwait(false);
            return null;
        }
        var json = writer.Completion(answer, finishReason, input, output, iterations, transcript);
        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = json.Length;
        await http.Response.Body.WriteAsync(json, ct).ConfigureAwait(false);
        return null;
    }

    /// <summary>Runs one call; whatever happens becomes its result (an unknown tool, a tool error, a failed server).</summary>
    private static async Task CallAsync(AgentToolCall call, List<AgentTool> tools, Proxy.Exchange exchange, CancellationToken ct)
    {
        var tool = tools.Find(t => t.ExposedName == call.Name);
        if (tool is null)
        {
            call.Result = $"Error: there is no tool named '{call.Name}'.";
            call.IsError = true;
            return;
        }
        var result = await tool.Session.CallToolAsync(tool.Tool.Name, call.Id, call.Arguments, exchange, ct).ConfigureAwait(false);
        call.Result = result.IsError ? "Error: " + result.Text : result.Text;
        call.IsError = result.IsError;
    }

    private static string AssistantMessage(TurnResult turn)
    {
        var message = new ChatMessage("assistant", turn.Content) { ToolCalls = turn.ToolCalls.Select(c => c with { Index = null, Type = "function" }).ToList() };
        return JsonSerializer.Serialize(message, AgentJsonContext.Wire.ChatMessage);
    }

    private static string ToolMessage(AgentToolCall call) =>
        JsonSerializer.Serialize(new ChatMessage("tool", call.Result) { ToolCallId = call.Id }, AgentJsonContext.Wire.ChatMessage);
}
