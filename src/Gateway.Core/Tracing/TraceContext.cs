using System.Diagnostics;

namespace Gateway.Tracing;

/// <summary>W3C Trace Context in and out (https://www.w3.org/TR/trace-context/).</summary>
internal static class TraceContext
{
    public const string TraceParentHeader = "traceparent";
    public const string TraceStateHeader = "tracestate";

    /// <summary>The client's context, or default (a new trace) when absent or malformed.</summary>
    public static ActivityContext Parse(string? traceParent, string? traceState) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var context) ? context : default;

    /// <summary>Sets traceparent (and tracestate) of an upstream request to the given span.</summary>
    public static void Inject(HttpRequestMessage request, Activity activity)
    {
        if (activity.IdFormat != ActivityIdFormat.W3C || activity.Id is null) return;
        Set(request, activity.Id, activity.TraceStateString);
    }

    /// <summary>Forwards a client context unchanged (when the gateway records no span of its own).</summary>
    public static void Set(HttpRequestMessage request, string traceParent, string? traceState)
    {
        var headers = request.Headers;
        headers.Remove(TraceParentHeader);
        headers.Remove(TraceStateHeader);
        headers.TryAddWithoutValidation(TraceParentHeader, traceParent);
        if (!string.IsNullOrEmpty(traceState)) headers.TryAddWithoutValidation(TraceStateHeader, traceState);
    }
}
