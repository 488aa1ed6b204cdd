namespace Gateway.Agents;

/// <summary>
/// One of the request's <c>mcp_servers</c>: a configured server by <c>integration_fqn</c> or <c>name</c>, or a
/// server by <c>url</c> (allowed by <c>mcp_allowed_urls</c> only). <c>tools</c> narrows its tools unless
/// <c>enable_all_tools</c>; <c>headers</c> go to the server (for a configured one, only its <c>caller_headers</c>).
/// </summary>
internal sealed record AgentServerRef(
    string? IntegrationFqn = null,
    string? Name = null,
    string? Url = null,
    bool? EnableAllTools = null,
    IReadOnlyList<AgentToolRef>? Tools = null,
    IReadOnlyDictionary<string, string>? Headers = null);
