using Gateway.Auth;
using Gateway.OpenAI;

namespace Gateway.Spans;

/// <summary>
/// Who calls the span query API: a subject, or the error that refuses the call. No subject and no
/// error is the plain 401 of a missing or wrong key.
/// </summary>
internal readonly record struct SpanCaller(Subject? Subject, GatewayError? Refusal)
{
    public static SpanCaller Refused(GatewayError error) => new(null, error);

    /// <summary>A subject, or null for "no valid key" (the shape the authenticators had before refusals).</summary>
    public static implicit operator SpanCaller(Subject? subject) => new(subject, null);
}
