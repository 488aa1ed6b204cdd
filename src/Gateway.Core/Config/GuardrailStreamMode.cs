using System.Text.Json.Serialization;

namespace Gateway.Config;

/// <summary>
/// How an output guardrail treats a streamed answer. <c>flow</c> (default): tokens reach the client as they
/// come and the check runs on the whole text at the end; a block or a mutation then ends the stream with an
/// SSE error event. <c>hold</c> (validate only): the client gets nothing until the check passed, so a
/// violation is a clean 400; it costs the whole generation time as time to first token.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<GuardrailStreamMode>))]
internal enum GuardrailStreamMode
{
    Flow,
    Hold,
}
