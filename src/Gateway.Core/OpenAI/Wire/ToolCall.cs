namespace Gateway.OpenAI.Wire;

/// <summary>A function call the model asks for; in stream chunks <see cref="Index"/> says which call a fragment continues.</summary>
internal sealed record ToolCall(string? Id, string? Type, ToolCall.Call? Function)
{
    public int? Index { get; init; }

    /// <summary>The function and its JSON arguments (as a string, possibly a fragment in chunks).</summary>
    internal sealed record Call(string? Name, string? Arguments);
}
