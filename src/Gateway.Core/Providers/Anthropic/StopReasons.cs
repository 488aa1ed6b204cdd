namespace Gateway.Providers.Anthropic;

/// <summary>Anthropic's <c>stop_reason</c> and OpenAI's <c>finish_reason</c>, each way.</summary>
internal static class StopReasons
{
    public static string ToFinishReason(string? stopReason) => stopReason switch
    {
        "max_tokens" or "model_context_window_exceeded" => "length",
        "tool_use" => "tool_calls",
        "refusal" => "content_filter",
        // end_turn, stop_sequence, pause_turn
        _ => "stop",
    };

    public static string ToStopReason(string? finishReason) => finishReason switch
    {
        "length" => "max_tokens",
        "tool_calls" or "function_call" => "tool_use",
        "content_filter" => "refusal",
        _ => "end_turn",
    };
}
