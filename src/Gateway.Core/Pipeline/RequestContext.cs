using Gateway.OpenAI;
using Gateway.Providers;
using Gateway.Proxy;
using Gateway.Routing;
using Microsoft.AspNetCore.Http;

namespace Gateway.Pipeline;

/// <summary>
/// One request on its way through the stages (YARP's per-request feature): what the stages have
/// established so far, each field set by the stage that owns it. What happened upstream is not
/// signalled here but returned as values (<see cref="Providers.CallResult"/>); <see cref="Exchange"/> keeps the
/// observations tracing and health read.
/// </summary>
internal sealed class RequestContext
{
    public RequestContext(HttpContext http, GatewayRuntime.Snapshot snapshot, Exchange exchange)
    {
        Http = http;
        Snapshot = snapshot;
        Exchange = exchange;
    }

    public HttpContext Http { get; }

    /// <summary>The config the request started with; it finishes on it even when a reload swaps the live one.</summary>
    public GatewayRuntime.Snapshot Snapshot { get; }

    public Exchange Exchange { get; }

    public Operation Operation => Exchange.Operation;

    /// <summary>
    /// The request body as the client sent it: pooled, shared by reference with sends that carry it unchanged;
    /// the request's own reference is released when it ends. Set by the read stage; a stage that rewrites the
    /// body puts a new buffer here and releases the old one.
    /// </summary>
    public PooledBuffer? Body { get; set; }
    public int BodyLength { get; set; }
    public ReadOnlyMemory<byte> BodyMemory => Body is null ? default : Body.Array.AsMemory(0, BodyLength);

    /// <summary>The client's x-tfy-retry-config, applied to every step of the plan.</summary>
    public RetryOverride? RetryOverride { get; set; }

    /// <summary>Timeouts in force for this request (config, lowered by headers). Set by the read stage.</summary>
    public RequestTimeouts Timeouts { get; set; }

    /// <summary>Where the model's answer goes; null: the client's response. An agent turn puts a buffer here.</summary>
    public IResponseSink? Sink { get; init; }

    /// <summary>The targets to try. Set by the route stage.</summary>
    public RoutePlan? Plan { get; set; }

    /// <summary>Tokens the rate limit stage reserved, settled when the request ends.</summary>
    public Limits.RateLimitLease? RateLimit { get; set; }

    /// <summary>Cost the budget stage reserved, settled when the request ends.</summary>
    public Limits.BudgetLease? Budget { get; set; }

    /// <summary>Holds the answer for a check before the client gets it (output guardrails); null: the answer goes straight through.</summary>
    public IResponseFilter? ResponseFilter { get; set; }

    /// <summary>How many stages have been entered (their end hooks are owed); reset once the hooks ran.</summary>
    public int StagesEntered { get; set; }

    private Task? _endWrites;

    /// <summary>
    /// An end hook's write that the client's next request must find done (a budget reservation released in Redis):
    /// the runner awaits it before the response completes. The task must not fault and must be bounded in time.
    /// </summary>
    public void FinishBeforeResponse(Task write) =>
        _endWrites = _endWrites is null ? write : Task.WhenAll(_endWrites, write);

    /// <summary>The writes <see cref="FinishBeforeResponse"/> collected, once.</summary>
    public Task? TakeEndWrites()
    {
        var writes = _endWrites;
        _endWrites = null;
        return writes;
    }

    /// <summary>The client's response was cut mid-body (<see cref="Providers.ClientSink.AbortAsync"/>): its connection is aborted once the end hooks ran.</summary>
    public bool AbortClientAtEnd { get; set; }

    /// <summary>The error a stage turned the request away with, and which stage.</summary>
    public GatewayError? Rejection { get; set; }
    public string? RejectedBy { get; set; }
}

/// <summary>Request and time-to-first-token timeouts (0 = none) and the SSE keepalive interval, in ms.</summary>
internal readonly record struct RequestTimeouts(int RequestMs, int TtftMs, int KeepaliveMs);
