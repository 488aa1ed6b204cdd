namespace Gateway.Config;

/// <summary>A server a virtual server takes tools from; null tools: all the server allows.</summary>
internal sealed record McpMemberConfig(string Server, IReadOnlySet<string>? Tools)
{
    public bool Allows(string tool) => Tools is null || Tools.Contains(tool);
}
