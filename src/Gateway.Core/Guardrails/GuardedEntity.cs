namespace Gateway.Guardrails;

/// <summary>
/// What a guardrail run guards (tfy.guardrail.applied_on_entity.*): a model (type <c>model</c>, id
/// <c>provider/model</c>) or an MCP tool (type <c>mcp_tool</c>, id <c>server:tool</c>, scope the server).
/// </summary>
internal readonly record struct GuardedEntity(string Type, string Id, string Name, string Scope)
{
    public static GuardedEntity Model(string model) => new("model", model, model, "model");

    public static GuardedEntity McpTool(string server, string tool) => new("mcp_tool", server + ":" + tool, tool, server);
}
