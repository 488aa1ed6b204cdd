namespace Gateway.Tracing;

/// <summary>Span names and <c>tfy.span_type</c> values, spelled exactly as in ../shared/seeds/.</summary>
internal static class SpanNames
{
    // Seed 000, "Chat Completions API".
    public const string ChatCompletions = "chatCompletions";
    public const string Completions = "completions";
    public const string Embeddings = "embeddings";
    // The Responses and rerank endpoints, named like the three above (the seeds name no root span for them).
    public const string Responses = "responses";
    public const string Rerank = "rerank";
    // Seed 003, span hierarchy: Chat Completion -> Model -> Network Call.
    public const string Model = "Model";
    public const string NetworkCall = "Network Call";
    // Seed 000, "Agent Responses API".
    public const string AgentResponsesHandler = "agentResponsesHandler";
    // Seed 000, "MCP Server Spans".
    public const string McpServerInitialization = "MCP Server Initialization";
    public const string ConnectToMcpServer = "Connect to MCP Server";
    public const string ListTools = "List Tools";
    public const string ToolCallPrefix = "Tool Call: ";
    // Seed 000, "Fallback", "Rate Limiting", "Load Balancing".
    public const string FallbackRequest = "fallbackRequest";
    public const string RateLimiterMiddleware = "RateLimiterMiddleware";
    public const string LoadBalanceMiddleware = "loadBalanceMiddleware";
    public const string Guardrail = "Guardrail";
    /// <summary>Reference 1.7: ChatCompletion -> Guardrail -> Guardrail Network Call (a webhook or moderation call).</summary>
    public const string GuardrailNetworkCall = "Guardrail Network Call";
}

/// <summary><c>tfy.span_type</c> values (seed 003, "Core Span Attributes").</summary>
internal static class SpanTypes
{
    public const string ChatCompletion = "ChatCompletion";
    public const string Completion = "Completion";
    public const string Mcp = "MCP";
    public const string Rerank = "Rerank";
    public const string Embedding = "Embedding";
    public const string Model = "Model";
    public const string AgentResponse = "AgentResponse";
    public const string Guardrail = "Guardrail";
}
