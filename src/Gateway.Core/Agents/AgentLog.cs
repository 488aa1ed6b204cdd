using Microsoft.Extensions.Logging;

namespace Gateway.Agents;

internal static partial class AgentLog
{
    [LoggerMessage(1300, LogLevel.Debug, "Agent request finished after {Iterations} turns and {ToolCalls} tool calls ({FinishReason})")]
    public static partial void Finished(ILogger logger, int iterations, int toolCalls, string finishReason);
}
