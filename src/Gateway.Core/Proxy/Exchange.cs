using System.Diagnostics;
using Gateway.Providers;
using Gateway.Routing;
using Gateway.Streaming;

namespace Gateway.Proxy;

/// <summary>
/// Everything observed about one proxied request, filled in on the way through and read by tracing
/// and limits when it ends. Times are <see cref="Stopwatch"/> timestamps.
/// </summary>
internal sealed class Exchange
{
    public required Operation Operation { get; init; }
    public required long StartTimestamp { get; init; }
    public RequestHead Head;
    /// <summary>The caller (Subject.Anonymous when no keys are configured).</summary>
    public Auth.Subject Subject { get; set; } = Auth.Subject.Anonymous;
    /// <summary>The x-tfy-metadata header, validated; empty when absent.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; set; } = EmptyMetadata;
    public string? ConversationId { get; set; }
    /// <summary>The client's W3C trace context headers (read only when a listener is registered).</summary>
    public string? TraceParent { get; set; }
    public string? TraceState { get; set; }
    public RoutePlan? Plan { get; set; }
    /// <summary>The rate limit rule that applied (span attribute applied_ratelimit_rule_ids); null when none did.</summary>
    public IReadOnlyList<string>? AppliedRateLimitRuleIds { get; set; }
    /// <summary>The budget rules the request's cost counts against (applied_budget_rule_ids); null when none.</summary>
    public IReadOnlyList<string>? AppliedBudgetRuleIds { get; set; }
    public List<Attempt> Attempts { get; } = new(1);
    /// <summary>The target of the last attempt (the one that answered, or failed last).</summary>
    public ModelTarget? Target { get; set; }
    /// <summary>The request body as sent upstream; valid only until the exchange ends.</summary>
    public ReadOnlyMemory<byte> RequestBody { get; set; }
    public int UpstreamStatus { get; set; }
    public int ClientStatus { get; set; }
    public long UpstreamSentTimestamp { get; set; }
    public long FirstTokenTimestamp { get; set; }
    public long LastTokenTimestamp { get; set; }
    public int TokenEvents { get; set; }
    public long EndTimestamp { get; set; }
    public CompletionAccumulator? Accumulator { get; set; }
    public string? ErrorMessage { get; set; }
    public bool ClientDisconnected { get; set; }
    public bool StreamInterrupted { get; set; }

    public bool IsStream => Head.Stream;

    /// <summary>Free slot for a listener (tracing keeps its root activity here).</summary>
    public object? ListenerState { get; set; }

    internal static readonly IReadOnlyDictionary<string, string> EmptyMetadata = new Dictionary<string, string>();

    /// <summary>Request start to the first output token forwarded, in ms; null if none was.</summary>
    public double? TimeToFirstTokenMs => FirstTokenTimestamp == 0 ? null : Stopwatch.GetElapsedTime(StartTimestamp, FirstTokenTimestamp).TotalMilliseconds;

    /// <summary>Mean gap between consecutive output events after the first, in ms.</summary>
    public double? InterTokenLatencyMs => TokenEvents < 2 ? null : Stopwatch.GetElapsedTime(FirstTokenTimestamp, LastTokenTimestamp).TotalMilliseconds / (TokenEvents - 1);

    public double LatencyMs => Stopwatch.GetElapsedTime(StartTimestamp, EndTimestamp == 0 ? Stopwatch.GetTimestamp() : EndTimestamp).TotalMilliseconds;

    public void RecordToken(long now)
    {
        if (FirstTokenTimestamp == 0) FirstTokenTimestamp = now;
        LastTokenTimestamp = now;
        TokenEvents++;
    }
}

/// <summary>
/// Listens to exchanges; tracing and limits plug in here. Null when nobody listens. Calls come in
/// order: OnStart, then per attempt OnAttemptStart / OnAttemptEnd, then OnEnd. A listener must not throw
/// and must not block.
/// </summary>
internal interface IExchangeListener
{
    /// <summary>Whether the listener wants content and usage parsed from responses.</summary>
    bool WantsResponseDetails { get; }
    void OnStart(Exchange exchange);
    /// <summary>Before the upstream request is sent; may add headers (traceparent) to it.</summary>
    void OnAttemptStart(Exchange exchange, Attempt attempt, HttpRequestMessage request);
    void OnAttemptEnd(Exchange exchange, Attempt attempt);
    void OnEnd(Exchange exchange);
}
