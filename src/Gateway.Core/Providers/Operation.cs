namespace Gateway.Providers;

/// <summary>What a request asks a model for; an endpoint each.</summary>
internal enum Operation
{
    /// <summary><c>POST /v1/chat/completions</c>.</summary>
    Chat,
    /// <summary><c>POST /v1/completions</c>.</summary>
    Completion,
    /// <summary><c>POST /v1/embeddings</c>.</summary>
    Embedding,
    /// <summary><c>POST /v1/messages</c>, Anthropic's Messages API: a chat model's operation in another wire format.</summary>
    Messages,
    /// <summary><c>POST /v1/messages/count_tokens</c>: served by providers that have it (Anthropic), passed through.</summary>
    CountTokens,
    /// <summary><c>POST /v1/responses</c>, OpenAI's Responses API: passed through to chat models' providers that serve it.</summary>
    Responses,
    /// <summary><c>POST /v1/rerank</c> (the Cohere, Jina and vLLM shape: model, query, documents, top_n).</summary>
    Rerank,
    /// <summary><c>POST /agent/responses</c>: the gateway runs a tool loop over MCP servers; each model turn is a <see cref="Chat"/>.</summary>
    AgentResponses,
}
