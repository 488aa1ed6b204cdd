using System.Text.Json;

namespace Gateway.Agents;

/// <summary>
/// The body of <c>POST /agent/responses</c> (docs/agents-and-mcp.md; the reference's Agent API, 1.6). Fields it
/// does not name are ignored; <c>messages</c> stays raw JSON and reaches the model as sent.
/// </summary>
internal sealed record AgentRequest(
    string? Model = null,
    JsonElement Messages = default,
    IReadOnlyList<AgentServerRef>? McpServers = null,
    long? MaxTokens = null,
    double? Temperature = null,
    double? TopP = null,
    int? TopK = null,
    bool Stream = false,
    int? MaxIterations = null)
{
    public const int DefaultMaxIterations = 10;
    public const int MaxMaxIterations = 50;
}
