namespace Gateway.OpenAI.Wire;

/// <summary>Token counts of an answer (the last chunk of a stream with <c>stream_options.include_usage</c>).</summary>
internal sealed record Usage(long? PromptTokens, long? CompletionTokens, long? TotalTokens)
{
    public Details? PromptTokensDetails { get; init; }
    public Details? CompletionTokensDetails { get; init; }

    internal sealed record Details(long? CachedTokens, long? ReasoningTokens);
}
