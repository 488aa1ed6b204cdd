using Gateway.OpenAI;

namespace Gateway.Pipeline;

/// <summary>
/// One step of the request path (DESIGN.md, "The request path: stages"): authenticate, read the head,
/// limit, route, call upstream, ... A stage either lets the request go on (returns null) or turns it
/// away with a <see cref="GatewayError"/>, which the runner writes to the client and the spans record.
/// </summary>
internal interface IRequestStage
{
    /// <summary>For logs and tests.</summary>
    string Name { get; }

    ValueTask<GatewayError?> RunAsync(RequestContext context, CancellationToken ct);

    /// <summary>
    /// Called exactly once when the request ends, for every stage whose <see cref="RunAsync"/> was entered,
    /// in reverse order: also when a later stage rejected the request, threw, or the client left.
    /// Settles what the stage reserved (tokens, cost). Must not throw; the runner logs it if it does.
    /// </summary>
    void OnRequestEnd(RequestContext context) { }
}
