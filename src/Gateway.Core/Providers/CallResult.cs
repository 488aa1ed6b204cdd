using Gateway.OpenAI;
using Gateway.Proxy;

namespace Gateway.Providers;

/// <summary>
/// What one attempt did (YARP's ForwarderError as a value): how it ended, the upstream status, how many
/// bytes of an answer reached the sink, and, when it may be retried or fallen back from, the error the
/// sink would otherwise get.
/// </summary>
/// <param name="Retryable">Set when nothing reached the sink and the plan may move on; the sink has no answer yet.</param>
/// <param name="ErrorEventSent">A started event stream was ended with an SSE error event: the sink's answer is broken.</param>
internal readonly record struct CallResult(AttemptOutcome Outcome, int UpstreamStatus, long BytesSent, GatewayError? Retryable, string? ErrorMessage, bool ErrorEventSent = false)
{
    /// <summary>The sink has its answer (or is gone): nothing more may be tried.</summary>
    public bool Done => Retryable is null;

    public static CallResult Failed(AttemptOutcome outcome, int status, GatewayError error) => new(outcome, status, 0, error, error.Message);
}
