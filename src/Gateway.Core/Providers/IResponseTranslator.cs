using System.Buffers;

namespace Gateway.Providers;

/// <summary>
/// Turns a provider's answer into the shape the client asked for (OpenAI's, or Anthropic's on /v1/messages): a whole body, or a stream one event payload at a time.
/// One instance per attempt, so it may keep state across events (ids, tool call indexes).
/// </summary>
internal interface IResponseTranslator
{
    /// <summary>Writes the OpenAI-shaped body for a whole (non-stream) upstream body.</summary>
    void TranslateBody(ReadOnlySpan<byte> upstream, IBufferWriter<byte> openAi);

    /// <summary>
    /// Writes zero or more complete SSE events for one upstream event's data: <c>data: {...}\n\n</c>, optionally
    /// after an <c>event: name</c> line, LF line ends and one data line each (the pump reads them back for spans).
    /// </summary>
    void TranslateEvent(ReadOnlySpan<byte> data, IBufferWriter<byte> openAi);
}
