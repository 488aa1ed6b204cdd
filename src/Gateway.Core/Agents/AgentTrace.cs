using System.Diagnostics;
using Gateway.Proxy;
using Gateway.Tracing;
using Microsoft.AspNetCore.Http;

namespace Gateway.Agents;

/// <summary>
/// What the <c>agentResponsesHandler</c> root span (opened by tracing like any root, <c>tfy.span_type</c>
/// AgentResponse) learns from the loop, seed 000's attributes: handler, method and URL; each model turn as a
/// completion (<c>gen_ai.completion.{turn}.*</c>, with its tool calls), the last one being the answer;
/// usage summed over the turns; <c>tfy.output</c> the final answer.
/// </summary>
internal static class AgentTrace
{
    public static Activity? Root(Exchange exchange) => (exchange.ListenerState as ExchangeTrace)?.Root is { IsAllDataRequested: true } root ? root : null;

    public static void SetRequest(Activity? root, HttpRequest request)
    {
        if (root is null) return;
        root.SetTag(SpanAttributes.HandlerName, SpanNames.AgentResponsesHandler);
        root.SetTag(SpanAttributes.RequestMethod, request.Method);
        root.SetTag(SpanAttributes.RequestUrl, SpanUrl.Of(request));
    }

    public static void SetTurn(Activity? root, Exchange exchange, int index, TurnResult turn)
    {
        if (root is null || (uint)index > RequestMessages.MaxMessages) return;
        var capture = (exchange.ListenerState as ExchangeTrace)?.Options.CaptureContent ?? false;
        root.SetTag(IndexedKeys.CompletionRole(index), "assistant");
        if (capture && turn.Content is { } content) root.SetTag(IndexedKeys.CompletionContent(index), content);
        if (turn.FinishReason is { } reason) root.SetTag(IndexedKeys.CompletionFinishReason(index), reason);
        for (var j = 0; j < turn.ToolCalls.Count; j++)
        {
            var call = turn.ToolCalls[j];
            if (call.Function?.Name is { } name) root.SetTag(IndexedKeys.CompletionToolCallName(index, j), name);
            if (call.Id is { } id) root.SetTag(IndexedKeys.CompletionToolCallId(index, j), id);
            if (capture && call.Function?.Arguments is { } arguments) root.SetTag(IndexedKeys.CompletionToolCallArguments(index, j), arguments);
        }
    }

    public static void SetResult(Activity? root, Exchange exchange, string? answer, string finishReason, long input, long output, int iterations, int toolCalls)
    {
        if (root is null) return;
        var options = (exchange.ListenerState as ExchangeTrace)?.Options;
        root.SetTag(SpanAttributes.GenAiUsageInputTokens, input);
        root.SetTag(SpanAttributes.GenAiUsageOutputTokens, output);
        root.SetTag(SpanAttributes.GenAiResponseFinishReasons, new[] { finishReason });
        root.SetTag(SpanAttributes.AgentIterations, iterations);
        root.SetTag(SpanAttributes.AgentToolCalls, toolCalls);
        if (options is { CaptureContent: true } && answer is not null) root.SetTag(SpanAttributes.TfyOutput, SpanText.Truncate(answer, options.MaxContentChars));
    }
}
