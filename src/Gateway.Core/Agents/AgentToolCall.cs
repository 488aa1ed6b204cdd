namespace Gateway.Agents;

/// <summary>One tool call of the loop and its result: an entry of the answer's <c>transcript</c>.</summary>
internal sealed record AgentToolCall(int Iteration, string Id, string Server, string Name, string Arguments)
{
    public string? Result { get; set; }
    public bool IsError { get; set; }
}
