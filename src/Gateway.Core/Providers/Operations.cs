using Gateway.Config;

namespace Gateway.Providers;

internal static class Operations
{
    /// <summary>The model type that serves an operation (config <c>types</c>).</summary>
    public static ModelTypes ModelType(this Operation op) => op switch
    {
        Operation.Chat or Operation.Messages or Operation.CountTokens or Operation.Responses or Operation.AgentResponses => ModelTypes.Chat,
        Operation.Rerank => ModelTypes.Rerank,
        Operation.Completion => ModelTypes.Completion,
        _ => ModelTypes.Embedding,
    };

    /// <summary>The Anthropic endpoints: their clients send the key in x-api-key.</summary>
    public static bool IsAnthropic(this Operation op) => op is Operation.Messages or Operation.CountTokens;
}
