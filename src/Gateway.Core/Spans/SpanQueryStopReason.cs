namespace Gateway.Spans;

/// <summary>Why a span query was stopped before its end.</summary>
internal enum SpanQueryStopReason
{
    None,
    /// <summary>The client went away (the request was aborted).</summary>
    CallerLeft,
    /// <summary>span_store.query_timeout_ms passed.</summary>
    TimedOut,
    /// <summary>The gateway is shutting down.</summary>
    Shutdown,
}
