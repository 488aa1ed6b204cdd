using System.IO.Pipelines;
using Gateway.OpenAI;
using Gateway.Providers;

namespace Gateway.Guardrails;

/// <summary>
/// Keeps the answer from the client until output guardrails checked it: status and headers go to the client's
/// response at once (not sent until the body is), the body into a buffer, released by <see cref="ReleaseAsync"/>.
/// An error the call answers with (nothing from the model to check) goes straight through.
/// </summary>
internal sealed class HeldSink : IResponseSink
{
    private readonly MemoryStream _body = new();
    private readonly PipeWriter _writer;

    public HeldSink(IResponseSink client)
    {
        Client = client;
        _writer = PipeWriter.Create(_body, new StreamPipeWriterOptions(leaveOpen: true));
    }

    public IResponseSink Client { get; }

    public bool HasStarted { get; private set; }

    public CancellationToken Aborted => Client.Aborted;

    public PipeWriter Body => _writer;

    public int Status { get; private set; }

    /// <summary>The call answered with an error of its own, already at the client.</summary>
    public bool ErrorSent { get; private set; }

    /// <summary>The answer ended broken (the upstream failed mid-body).</summary>
    public bool Truncated { get; private set; }

    public ReadOnlyMemory<byte> Content => _body.GetBuffer().AsMemory(0, (int)_body.Length);

    public void StartEventStream(HttpResponseMessage? upstream)
    {
        HasStarted = true;
        Status = 200;
        Client.StartEventStream(upstream);
    }

    public void Start(HttpResponseMessage upstream)
    {
        HasStarted = true;
        Status = (int)upstream.StatusCode;
        Client.Start(upstream);
    }

    public Task WriteErrorAsync(GatewayError error)
    {
        HasStarted = true;
        ErrorSent = true;
        return Client.WriteErrorAsync(error);
    }

    public async Task AbortAsync()
    {
        await _writer.FlushAsync().ConfigureAwait(false);
        Truncated = true;
    }

    /// <summary>Sends <paramref name="content"/> (the held body, or its rewrite) to the client; a truncated answer stays truncated.</summary>
    public async Task ReleaseAsync(ReadOnlyMemory<byte> content, CancellationToken ct)
    {
        await _writer.FlushAsync(ct).ConfigureAwait(false);
        await Client.Body.WriteAsync(content, ct).ConfigureAwait(false);
        if (Truncated) await Client.AbortAsync().ConfigureAwait(false);
    }
}
