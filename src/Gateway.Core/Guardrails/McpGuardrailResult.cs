using Gateway.OpenAI;

namespace Gateway.Guardrails;

/// <summary>
/// What the MCP tool hooks decided. <see cref="Blocked"/>: do not call the tool (pre) or do not give its result to the
/// model (post); <see cref="Error"/> says why, in OpenAI's shape, naming the guardrail. Otherwise go on with
/// <see cref="Content"/>: the arguments JSON or result text, rewritten when <see cref="Mutated"/>.
/// </summary>
internal sealed record McpGuardrailResult(string Content, bool Mutated, GatewayError? Error, IReadOnlyList<string> Triggered)
{
    public bool Blocked => Error is not null;

    /// <summary>
    /// What spans may store of the content: redacted by every PII guardrail that ran, whatever its operation (a
    /// <c>validate</c> that blocked or an <c>audit</c> that let the original through still keeps it off the spans).
    /// </summary>
    public string SpanContent { get; init; } = Content;
}
