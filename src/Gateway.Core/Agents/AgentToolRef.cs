namespace Gateway.Agents;

/// <summary>A tool the request picks from a server: <c>{"name": "echo"}</c>.</summary>
internal sealed record AgentToolRef(string? Name = null);
