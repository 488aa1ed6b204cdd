using Gateway.Mcp;

namespace Gateway.Agents;

/// <summary>A tool offered to the model: the name the model sees, the MCP tool behind it and the session that calls it.</summary>
internal sealed record AgentTool(string ExposedName, McpTool Tool, McpSession Session);
