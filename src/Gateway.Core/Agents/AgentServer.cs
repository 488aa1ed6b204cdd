using Gateway.Mcp;

namespace Gateway.Agents;

/// <summary>
/// One server a request uses, resolved: its session, the tools a virtual server's member takes (null: all), the
/// tools the request picked (null: all), and where in the request it was named (for errors).
/// </summary>
internal sealed record AgentServer(McpSession Session, IReadOnlySet<string>? MemberTools, IReadOnlyList<string>? Requested, string Param, string DisplayName);
