using System.IO.Pipelines;
using Gateway.OpenAI;

namespace Gateway.Providers;

/// <summary>
/// Where a model's answer goes (DESIGN.md, "ModelCaller"): the client's HTTP response
/// (<see cref="ClientSink"/>) or a buffer the caller reads (<see cref="BufferSink"/>: agent turns,
/// blocking output guardrails, tests). The caller moves bytes; the sink decides what they become.
/// </summary>
internal interface IResponseSink
{
    /// <summary>Whether a status has been committed (by keepalives or an answer). Before that, an attempt may be retried.</summary>
    bool HasStarted { get; }

    /// <summary>Fires when the receiver is gone (the client disconnected); never for a buffer.</summary>
    CancellationToken Aborted { get; }

    /// <summary>The body; write and flush here once started.</summary>
    PipeWriter Body { get; }

    /// <summary>Commits a 200 <c>text/event-stream</c>, with the upstream's headers when there is an upstream answer.</summary>
    void StartEventStream(HttpResponseMessage? upstream);

    /// <summary>Commits the upstream's status and headers for a copied (non-stream) answer.</summary>
    void Start(HttpResponseMessage upstream);

    /// <summary>Answers with a gateway error; only before <see cref="HasStarted"/> (after it, <see cref="AbortAsync"/>).</summary>
    Task WriteErrorAsync(GatewayError error);

    /// <summary>Ends a started answer as broken, so no reader takes it for a complete one.</summary>
    Task AbortAsync();
}
