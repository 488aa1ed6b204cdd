using Gateway.OpenAI;
using Gateway.OpenAI.Wire;

namespace Gateway.Agents;

/// <summary>What one model turn gave: its text, the tools it asked for, why it stopped and its tokens; or the error that ended it.</summary>
internal sealed record TurnResult(GatewayError? Error, string? Content, IReadOnlyList<ToolCall> ToolCalls, string? FinishReason, long InputTokens, long OutputTokens)
{
    public static TurnResult Failed(GatewayError error) => new(error, null, [], null, 0, 0);
}
