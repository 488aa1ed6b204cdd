using System.IO.Pipelines;
using Gateway.OpenAI;
using Gateway.Providers;

namespace Gateway.Guardrails;

/// <summary>The client's sink for a stream whose output guardrails run at its end: everything passes but the final [DONE] (<see cref="DoneHoldingWriter"/>).</summary>
internal sealed class FlowSink(IResponseSink client) : IResponseSink
{
    public IResponseSink Client => client;

    public DoneHoldingWriter Writer { get; } = new(client.Body);

    public bool HasStarted => client.HasStarted;

    public CancellationToken Aborted => client.Aborted;

    public PipeWriter Body => Writer;

    public void StartEventStream(HttpResponseMessage? upstream) => client.StartEventStream(upstream);

    public void Start(HttpResponseMessage upstream) => client.Start(upstream);

    public Task WriteErrorAsync(GatewayError error) => client.WriteErrorAsync(error);

    public Task AbortAsync() => client.AbortAsync();
}
