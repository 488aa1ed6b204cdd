namespace Gateway.OpenAI.Wire;

/// <summary>A whole chat completion (<c>"object":"chat.completion"</c>).</summary>
internal sealed record ChatCompletion(string Id, string Object, long Created, string Model, IReadOnlyList<ChatCompletion.CompletionChoice> Choices)
{
    public Usage? Usage { get; init; }
    public string? SystemFingerprint { get; init; }

    internal sealed record CompletionChoice(int Index, ChatMessage Message, string? FinishReason);
}
