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
}
