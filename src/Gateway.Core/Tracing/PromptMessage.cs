namespace Gateway.Tracing;

/// <summary>One message of a request as spans show it. Content is null when capture is off.</summary>
internal sealed class PromptMessage(string role)
{
    public string Role { get; } = role;
    public string? Content { get; set; }
    /// <summary><c>tool_call_id</c> of a tool message.</summary>
    public string? ToolCallId { get; set; }
    public List<PromptToolCall>? ToolCalls { get; set; }
}

/// <summary>A tool call an earlier assistant message made, as replayed in the request.</summary>
internal sealed record PromptToolCall(string? Id, string? Name, string? Arguments);
