namespace Gateway.OpenAI.Wire;

/// <summary>A chat message as the gateway produces or reads it (an assistant answer, a tool result for an agent turn).</summary>
internal sealed record ChatMessage(string Role, string? Content)
{
    public IReadOnlyList<ToolCall>? ToolCalls { get; init; }
    /// <summary>For role "tool": the call this message answers.</summary>
    public string? ToolCallId { get; init; }
    public string? Refusal { get; init; }
}
