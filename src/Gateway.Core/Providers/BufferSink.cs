using System.IO.Pipelines;
using Gateway.OpenAI;

namespace Gateway.Providers;

/// <summary>
/// Keeps a model's answer for the caller instead of sending it anywhere: agent turns, blocking output
/// guardrails, tests. Streams are kept as the raw SSE bytes the client would have seen.
/// </summary>
internal sealed class BufferSink : IResponseSink
{
    private readonly MemoryStream _body = new();
    private readonly PipeWriter _writer;

    public BufferSink() => _writer = PipeWriter.Create(_body, new StreamPipeWriterOptions(leaveOpen: true));

    public bool HasStarted { get; private set; }

    public CancellationToken Aborted => CancellationToken.None;

    public PipeWriter Body => _writer;

    public int Status { get; private set; }

    public string? ContentType { get; private set; }

    /// <summary>The answer ended broken (an SSE error event or a cut copy): not to be taken as complete.</summary>
    public bool Truncated { get; private set; }

    /// <summary>The bytes written so far (flushed ones).</summary>
    public ReadOnlyMemory<byte> Content => _body.GetBuffer().AsMemory(0, (int)_body.Length);

    public void StartEventStream(HttpResponseMessage? upstream)
    {
        HasStarted = true;
        Status = 200;
        ContentType = "text/event-stream";
    }

    public void Start(HttpResponseMessage upstream)
    {
        HasStarted = true;
        Status = (int)upstream.StatusCode;
        ContentType = upstream.Content.Headers.ContentType?.ToString();
    }

    public Task WriteErrorAsync(GatewayError error)
    {
        HasStarted = true;
        Status = error.Status;
        ContentType = "application/json";
        _body.Write(ErrorWriter.Serialize(error.Message, error.Type, error.Code, error.Param));
        return Task.CompletedTask;
    }

    public async Task AbortAsync()
    {
        await _writer.FlushAsync().ConfigureAwait(false);
        Truncated = true;
    }
}
