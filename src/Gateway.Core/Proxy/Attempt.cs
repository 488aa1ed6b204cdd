using System.Diagnostics;
using Gateway.Routing;

namespace Gateway.Proxy;

/// <summary>One try of one target within an exchange.</summary>
internal sealed class Attempt
{
    public required RouteStep Step { get; init; }
    public ModelTarget Target => Step.Target;
    /// <summary>0 for the first try of the request, counting retries and fallbacks.</summary>
    public required int Number { get; init; }
    /// <summary>0 for the first try of this target.</summary>
    public required int Retry { get; init; }
    public required long StartTimestamp { get; init; }
    public long EndTimestamp { get; set; }
    public int UpstreamStatus { get; set; }
    public AttemptOutcome Outcome { get; set; }
    public string? ErrorMessage { get; set; }
    /// <summary>Upstream request URL (for spans).</summary>
    public Uri? Url { get; set; }
    /// <summary>Free slot for a listener (tracing keeps its activities here).</summary>
    public object? ListenerState { get; set; }

    public double LatencyMs => Stopwatch.GetElapsedTime(StartTimestamp, EndTimestamp == 0 ? Stopwatch.GetTimestamp() : EndTimestamp).TotalMilliseconds;
}

internal enum AttemptOutcome
{
    /// <summary>Still running.</summary>
    None,
    /// <summary>A 2xx answer reached the client whole.</summary>
    Delivered,
    /// <summary>The upstream answered with a non-2xx status (delivered to the client or not).</summary>
    UpstreamStatus,
    /// <summary>Connection refused, reset or failed before response headers.</summary>
    Unreachable,
    TimedOut,
    ClientGone,
    /// <summary>Failed after bytes reached the client; the client got an SSE error event or a cut connection.</summary>
    Interrupted,
}
