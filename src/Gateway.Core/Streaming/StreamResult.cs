namespace Gateway.Streaming;

/// <summary>How a pumped event stream ended (YARP's StreamCopyResult): a value, not flags on the exchange.</summary>
internal readonly record struct StreamResult(StreamOutcome Outcome, string? Error, long BytesWritten);

internal enum StreamOutcome
{
    /// <summary>The stream ended whole (<c>[DONE]</c> or a finish reason). <see cref="StreamResult.Error"/> is set when an event carried an error.</summary>
    Completed,
    /// <summary>The client left; nothing more was written.</summary>
    ClientGone,
    /// <summary>The upstream cut the stream or failed mid-way; the client got an SSE error event.</summary>
    Interrupted,
    /// <summary>A deadline passed mid-stream; the client got an SSE error event.</summary>
    TimedOut,
}
