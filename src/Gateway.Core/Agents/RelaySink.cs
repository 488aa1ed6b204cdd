using System.IO.Pipelines;
using Gateway.OpenAI;
using Gateway.OpenAI.Wire;
using Gateway.Providers;

namespace Gateway.Agents;

/// <summary>
/// A <see cref="BufferSink"/> for a streamed agent turn that also relays the model's text as it arrives
/// (<see cref="AgentRelayStream"/>). The agent reads the whole turn afterwards, as from a buffer.
/// </summary>
internal sealed class RelaySink : IResponseSink
{
    private readonly AgentRelayStream _stream;
    private readonly PipeWriter _writer;

    public RelaySink(Func<string, ValueTask> onText)
    {
        _stream = new AgentRelayStream(onText);
        _writer = PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));
    }

    public bool HasStarted { get; private set; }

    public CancellationToken Aborted => CancellationToken.None;

    public PipeWriter Body => _writer;

    public int Status { get; private set; }

    public bool Truncated { get; private set; }

    public ReadOnlyMemory<byte> Content => _stream.Content;

    public void StartEventStream(HttpResponseMessage? upstream)
    {
        HasStarted = true;
        Status = 200;
    }

    public void Start(HttpResponseMessage upstream)
    {
        HasStarted = true;
        Status = (int)upstream.StatusCode;
    }

    public Task WriteErrorAsync(GatewayError error)
    {
        HasStarted = true;
        Status = error.Status;
        _stream.Write(ErrorWriter.Serialize(error.Message, error.Type, error.Code, error.Param));
        return Task.CompletedTask;
    }

    public async Task AbortAsync()
    {
        await _writer.FlushAsync().ConfigureAwait(false);
        Truncated = true;
    }

    /// <summary>The chunks of the streamed answer, in order.</summary>
    public IReadOnlyList<ChatCompletionChunk> ReadChunks() => BufferSink.ParseChunks(Content.Span);
}
