namespace Gateway.OpenAI.Wire;

/// <summary>One event of a streamed chat completion (<c>"object":"chat.completion.chunk"</c>).</summary>
internal sealed record ChatCompletionChunk(string Id, string Object, long Created, string Model, IReadOnlyList<ChatCompletionChunk.ChunkChoice> Choices)
{
    public Usage? Usage { get; init; }

    internal sealed record ChunkChoice(int Index, Delta Delta, string? FinishReason);

    internal sealed record Delta(string? Role, string? Content)
    {
        public IReadOnlyList<ToolCall>? ToolCalls { get; init; }
    }
}
