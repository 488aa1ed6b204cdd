using System.IO.Pipelines;
using System.Text.Json;
using Gateway.OpenAI.Wire;
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

    /// <summary>The answer as a chat completion; null when it is not one (an error, a stream).</summary>
    public ChatCompletion? ReadChatCompletion()
    {
        if (Status is < 200 or > 299 || ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) != true) return null;
        try
        {
            return JsonSerializer.Deserialize(Content.Span, OpenAIJsonContext.Wire.ChatCompletion);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The chunks of a streamed answer, in order (events that are not chunks are skipped).</summary>
    public IReadOnlyList<ChatCompletionChunk> ReadChunks() => ParseChunks(Content.Span);

    /// <summary>The chat completion chunks of an event stream's bytes (LF or CR LF lines), in order.</summary>
    public static IReadOnlyList<ChatCompletionChunk> ParseChunks(ReadOnlySpan<byte> events)
    {
        var chunks = new List<ChatCompletionChunk>();
        foreach (var line in System.Text.Encoding.UTF8.GetString(events).Split('\n'))
        {
            if (!line.StartsWith("data: {", StringComparison.Ordinal)) continue;
            try
            {
                if (JsonSerializer.Deserialize(line.AsSpan(6).TrimEnd('\r'), OpenAIJsonContext.Wire.ChatCompletionChunk) is { } chunk) chunks.Add(chunk);
            }
            catch (JsonException)
            {
            }
        }
        return chunks;
    }

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
