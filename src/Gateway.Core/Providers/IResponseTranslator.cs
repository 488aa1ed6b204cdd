using System.Buffers;

namespace Gateway.Providers;

/// <summary>
/// Turns a provider's answer into OpenAI's shape: a whole body, or a stream one event payload at a time.
/// One instance per attempt, so it may keep state across events (ids, tool call indexes).
/// </summary>
internal interface IResponseTranslator
{
    /// <summary>Writes the OpenAI-shaped body for a whole (non-stream) upstream body.</summary>
    void TranslateBody(ReadOnlySpan<byte> upstream, IBufferWriter<byte> openAi);

    /// <summary>
    /// Writes zero or more complete OpenAI SSE events (<c>data: ...\n\n</c>) for one upstream event's data.
    /// </summary>
    void TranslateEvent(ReadOnlySpan<byte> data, IBufferWriter<byte> openAi);
}
